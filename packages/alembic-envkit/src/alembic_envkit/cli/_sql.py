"""The ``--sql`` options of ``upgrade``, ``downgrade`` and ``stamp``: write
the SQL a command would run instead of running it.

Only the SQL goes to stdout, so ``flask db upgrade --sql | psql`` works;
notes go to stderr. With several databases, each script starts with an SQL
comment naming its database, or goes to a file of its own with
``--output-dir``.
"""

from __future__ import annotations

import os
import typing as t
from pathlib import Path

import click

from ._context import log_warnings_only

if t.TYPE_CHECKING:
    from .._environment import Environment

_F = t.TypeVar("_F", bound=t.Callable[..., t.Any])


def offline_options(f: _F) -> _F:
    """Add ``--sql``, ``--tag`` and ``--output-dir`` to a command."""
    f = click.option(
        "--output-dir",
        metavar="DIR",
        type=click.Path(file_okay=False),
        help="With --sql, write one DIR/NAME.sql file per database instead.",
    )(f)
    f = click.option(
        "--tag",
        help="With --sql, readable in revision files as context.get_tag_argument().",
    )(f)
    return click.option(
        "--sql",
        is_flag=True,
        help=(
            "Write the SQL to stdout instead of running it; no database is"
            " connected to. TARGET may be a FROM:TO range."
        ),
    )(f)


def check_offline_options(
    target: str,
    sql: bool,
    tag: str | None,
    output_dir: str | None,
    conflicts: t.Mapping[str, bool],
) -> None:
    """Refuse options that do not go together with or without ``--sql``.

    :param target: The command's target argument.
    :param sql: Whether ``--sql`` was given.
    :param tag: ``--tag``.
    :param output_dir: ``--output-dir``.
    :param conflicts: Options that do not go with ``--sql``, by name, and
        whether each was given.
    """
    if sql:
        for option, given in conflicts.items():
            if given:
                raise click.UsageError(
                    f"--sql and {option} cannot be used together: --sql writes"
                    f" SQL and changes nothing. Leave out one of them."
                )

        return

    if output_dir is not None:
        raise click.UsageError("--output-dir is used with --sql only; add --sql.")

    if tag is not None:
        raise click.UsageError("--tag is used with --sql only; add --sql.")

    if ":" in target:
        raise click.UsageError(
            f"The range {target!r} is used with --sql only: online, the start is"
            " read from the database. Give just the target, or add --sql."
        )


def echo_scripts(
    env: Environment,
    command: str,
    target: str,
    tag: str | None,
    output_dir: str | None,
    quiet: bool = False,
    *,
    phase: str | None = None,
) -> None:
    """Make the offline scripts of ``upgrade`` (of ``phase``), ``downgrade``
    or ``stamp`` and write them to stdout or to ``output_dir``.
    """
    if quiet:
        log_warnings_only()

    if command == "upgrade":
        scripts = env.upgrade_sql(target, tag=tag, phase=phase)
    elif command == "downgrade":
        scripts = env.downgrade_sql(target, tag=tag)
    else:
        scripts = env.stamp_sql(target, tag=tag)

    if output_dir is not None:
        write_each(scripts, output_dir)
        return

    headers = len(env.database_names) > 1

    for name, text in scripts.items():
        if headers:
            click.echo(f"-- database: {name}\n")

        click.echo(text, nl=False)


def write_scripts(
    scripts: t.Mapping[str, str], folder: str | os.PathLike[str]
) -> list[Path]:
    """Write each database's script to ``FOLDER/NAME.sql``, creating the
    folder. Nothing is written if any of the files exists.

    :param scripts: Script of each database, by name.
    :param folder: Where to write.
    :raises FileExistsError: Naming the files that exist already.
    :raises ValueError: If a database name cannot be a file name.
    """
    base = Path(folder)
    paths = {name: base / f"{name}.sql" for name in scripts}

    for name, path in paths.items():
        if path.parent != base or name in ("", ".", ".."):
            raise ValueError(f"Database name {name!r} cannot be used as a file name.")

    existing = [str(p) for p in paths.values() if p.exists() or p.is_symlink()]

    if existing:
        raise FileExistsError(
            f"{', '.join(existing)} already exist{'s' if len(existing) == 1 else ''};"
            " nothing was written. Remove the old scripts or choose another"
            " output folder."
        )

    base.mkdir(parents=True, exist_ok=True)

    for name, path in paths.items():
        with open(path, "x", encoding="utf-8") as f:
            f.write(scripts[name])

    return list(paths.values())


def write_each(scripts: t.Mapping[str, str], output_dir: str) -> None:
    """Write the scripts with :func:`write_scripts`, naming each file on
    stderr; what goes wrong is a one-line error.
    """
    try:
        paths = write_scripts(scripts, output_dir)
    except (FileExistsError, ValueError) as e:
        raise click.ClickException(str(e)) from e
    except OSError as e:
        raise click.ClickException(
            f"Cannot write the scripts to {e.filename or output_dir}:"
            f" {e.strerror}. Choose another --output-dir."
        ) from e

    for path in paths:
        click.echo(f"Wrote {path}", err=True)
