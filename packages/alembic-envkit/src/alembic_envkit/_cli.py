"""Click commands for an Environment, shared by ``flask db`` and the
``alembic-envkit`` command.

The commands find their environment through a callable stored on the click
context by :func:`make_group`, so any group can host them. Only this module
prints: data to stdout, progress and errors to stderr.
"""

from __future__ import annotations

import functools
import importlib
import logging
import os
import sys
import typing as t

import click

from ._errors import EnvkitError

if t.TYPE_CHECKING:
    from alembic.script import Script

    from ._environment import Environment

GetEnv: t.TypeAlias = t.Callable[[], "Environment"]

_GET_ENV = "alembic_envkit.get_env"
_ENV_VAR = "ALEMBIC_ENVKIT_ENV"
_F = t.TypeVar("_F", bound=t.Callable[..., t.Any])


def make_group(
    get_env: GetEnv,
    *,
    name: str = "db",
    cls: type[click.Group] = click.Group,
    params: t.Sequence[click.Parameter] = (),
    help: str = "Perform database migrations.",
) -> click.Group:
    """Build a click group holding every migration command.

    :param get_env: Returns the environment to work on; called once per
        command, inside the command.
    :param name: Name of the group.
    :param cls: Group class, for example Flask's ``AppGroup``.
    :param params: Extra parameters of the group. Their values are not passed
        on; use a parameter callback to record them.
    :param help: Help text of the group.
    """

    def callback() -> None:
        ctx = click.get_current_context()
        ctx.meta[_GET_ENV] = get_env
        _log_to_stderr(ctx)

    group = cls(name, callback=callback, params=list(params), help=help)

    for command in _COMMANDS:
        group.add_command(command)

    return group


def _pass_env(f: _F) -> _F:
    """Call the command with the environment as its first argument, and turn
    errors into a one-line message and exit code 1.
    """

    @functools.wraps(f)
    def wrapper(*args: t.Any, **kwargs: t.Any) -> t.Any:
        ctx = click.get_current_context()

        try:
            env = ctx.meta[_GET_ENV]()
            return f(env, *args, **kwargs)
        except EnvkitError as e:
            raise click.ClickException(str(e)) from e

    return t.cast(_F, wrapper)


def _log_to_stderr(ctx: click.Context) -> None:
    """Show what migrations run, on stderr, for the length of the command.
    Loggers the application already configured are left alone.
    """
    handler = _EchoHandler()
    handler.setFormatter(logging.Formatter("%(levelname)-5.5s [%(name)s] %(message)s"))
    added = []

    for name in ("alembic", "alembic_envkit"):
        logger = logging.getLogger(name)
        own = [h for h in logger.handlers if not isinstance(h, logging.NullHandler)]

        if not own and logger.level in (logging.NOTSET, logging.INFO):
            old_level = logger.level
            logger.addHandler(handler)
            logger.setLevel(logging.INFO)
            added.append((logger, old_level))

    def remove() -> None:
        for logger, level in added:
            logger.removeHandler(handler)
            logger.setLevel(level)

    ctx.call_on_close(remove)


class _EchoHandler(logging.Handler):
    """Writes log lines to click's stderr, leaving out Alembic's notes about
    loading its own plugins.
    """

    def emit(self, record: logging.LogRecord) -> None:
        if not record.name.startswith("alembic.runtime.plugins"):
            click.echo(self.format(record), err=True)


def _format(script: Script, verbose: bool) -> str:
    return script.cmd_format(
        verbose,
        include_branches=True,
        include_doc=True,
        include_parents=True,
        tree_indicators=True,
    )


_verbose = click.option("-v", "--verbose", is_flag=True, help="Show full details.")


@click.command()
@_pass_env
def mkdir(env: Environment) -> None:
    """Create the migrations folder and template if they do not exist."""
    env.mkdir()


@click.command()
@click.option(
    "--check-heads", is_flag=True, help="Exit 1 unless every database is at head."
)
@_verbose
@_pass_env
def current(env: Environment, check_heads: bool, verbose: bool) -> None:
    """Show the current revisions of the database."""
    if check_heads and (behind := env.behind_heads()):
        click.echo("Database is not on all head revisions")
        heads = ", ".join(s.revision for s in env.heads())

        for name, scripts in behind.items():
            at = ", ".join(s.revision for s in scripts) or "<base>"
            click.echo(f"  {name}: at {at}; heads are {heads}")

        raise click.exceptions.Exit(1)

    by_database = env.current_by_database()
    multidb = len(by_database) > 1

    for name, scripts in by_database.items():
        for script in scripts:
            line = _format(script, verbose)
            click.echo(f"{name}: {line}" if multidb else line)


@click.command()
@click.option(
    "--resolve-dependencies", is_flag=True, help="Treat dependencies as down revisions."
)
@_verbose
@_pass_env
def heads(env: Environment, resolve_dependencies: bool, verbose: bool) -> None:
    """Show the revisions that have no child revisions."""
    for script in env.heads(resolve_dependencies):
        click.echo(_format(script, verbose))


@click.command()
@_verbose
@_pass_env
def branches(env: Environment, verbose: bool) -> None:
    """Show the revisions that have more than one next revision."""
    for script in env.branches():
        click.echo(_format(script, verbose))

        for next_id in sorted(script.nextrev):
            (child,) = env.show(next_id)
            click.echo(f"    -> {_format(child, False)}")


@click.command()
@click.option("--start", default="base", show_default=True, help="Oldest revision.")
@click.option("--end", default="heads", show_default=True, help="Newest revision.")
@_verbose
@_pass_env
def log(env: Environment, start: str, end: str, verbose: bool) -> None:
    """Show the revisions in order, newest first."""
    for script in env.log(start, end):
        click.echo(_format(script, verbose))


@click.command()
@click.argument("revisions", nargs=-1, required=True)
@_pass_env
def show(env: Environment, revisions: tuple[str, ...]) -> None:
    """Show the given revisions in full."""
    for script in env.show(list(revisions)):
        click.echo(script.cmd_format(True))


@click.command()
@_pass_env
def check(env: Environment) -> None:
    """Exit 1 if the models differ from the database."""
    diffs = env.diffs_by_database()

    if not any(diffs.values()):
        click.echo("No changes detected.")
        return

    click.echo("Changes detected.")
    multidb = len(diffs) > 1

    for name, items in diffs.items():
        for item in items:
            line = describe_diff(item)
            click.echo(f"  {name}: {line}" if multidb else f"  {line}")

    raise click.exceptions.Exit(1)


@click.command()
@click.argument("target", default="heads")
@_pass_env
def stamp(env: Environment, target: str) -> None:
    """Record a revision as current without running migrations."""
    env.stamp(target)


@click.command()
@click.argument("target", default="heads")
@_pass_env
def upgrade(env: Environment, target: str) -> None:
    """Run migrations up to TARGET (default: heads), or TARGET steps."""
    env.upgrade(target)


@click.command()
@click.argument("target", default="-1")
@_pass_env
def downgrade(env: Environment, target: str) -> None:
    """Run migrations down to TARGET, or TARGET steps down (default: 1)."""
    env.downgrade(target)


@click.command()
@click.argument("message")
@click.option("--empty", is_flag=True, help="Write an empty revision.")
@click.option(
    "-b",
    "--branch",
    default="default",
    show_default=True,
    help="Independent branch to add the revision to.",
)
@click.option(
    "-p",
    "--parent",
    multiple=True,
    default=["head"],
    show_default=True,
    help="Parent revision(s).",
)
@click.option("--splice", is_flag=True, help="Allow a parent that is not a head.")
@click.option("-d", "--depend", multiple=True, help="Revision(s) this one depends on.")
@click.option("-l", "--label", multiple=True, help="Branch label(s) for the revision.")
@click.option("--path", help="Folder to write the revision to.")
@_pass_env
def revision(
    env: Environment,
    message: str,
    empty: bool,
    branch: str,
    parent: tuple[str, ...],
    splice: bool,
    depend: tuple[str, ...],
    label: tuple[str, ...],
    path: str | None,
) -> None:
    """Create a revision, autogenerated from the models unless --empty."""
    scripts = env.revision(
        message,
        empty=empty,
        branch=branch,
        parent=list(parent),
        splice=splice,
        depend=list(depend) or None,
        label=list(label),
        path=path,
    )
    _echo_generated(scripts)


@click.command()
@click.argument("revisions", nargs=-1)
@click.option("-m", "--message", help="Description of the merge.")
@click.option("-l", "--label", multiple=True, help="Branch label(s) for the revision.")
@_pass_env
def merge(
    env: Environment,
    revisions: tuple[str, ...],
    message: str | None,
    label: tuple[str, ...],
) -> None:
    """Create a revision that merges REVISIONS (default: all heads)."""
    script = env.merge(list(revisions) or "heads", message, list(label) or None)
    _echo_generated([script])


def _echo_generated(scripts: t.Sequence[Script | None]) -> None:
    for script in scripts:
        if script is not None:
            click.echo(f"Generating {script.path} ... done")


def describe_diff(diff: t.Any) -> str:
    """One line for one of Alembic's autogenerate diff tuples."""
    import sqlalchemy as sa

    if isinstance(diff, list):
        return "; ".join(describe_diff(d) for d in diff)

    kind, *args = diff
    parts = []

    for arg in args:
        if isinstance(arg, sa.Column) and arg.table is not None:
            parts.append(f"{arg.table.name}.{arg.name}")
        elif isinstance(arg, (sa.Table, sa.Column, sa.Index, sa.Constraint)):
            parts.append(str(arg.name or type(arg).__name__))
        elif arg is None or isinstance(arg, dict):
            continue
        else:
            parts.append(str(arg))

    return " ".join([kind, *parts])


_COMMANDS: list[click.Command] = [
    mkdir,
    current,
    heads,
    branches,
    log,
    show,
    check,
    stamp,
    upgrade,
    downgrade,
    revision,
    merge,
]


# The alembic-envkit command, for applications without Flask.


def _store_env_spec(
    ctx: click.Context, param: click.Parameter, value: str | None
) -> None:
    ctx.meta["alembic_envkit.env_spec"] = value


def _load_env() -> Environment:
    from ._environment import Environment

    ctx = click.get_current_context()
    spec = ctx.meta.get("alembic_envkit.env_spec")

    if not spec:
        raise click.UsageError(
            f"Say which environment to use with '--env module:attribute' or the"
            f" {_ENV_VAR} environment variable."
        )

    module_name, _, attr = spec.partition(":")

    if os.curdir not in sys.path and "" not in sys.path:
        sys.path.insert(0, "")

    try:
        module = importlib.import_module(module_name)
    except ImportError as e:
        raise click.UsageError(
            f"Cannot import {module_name!r} from --env {spec!r}: {e}"
        ) from e

    try:
        value = getattr(module, attr or "env")
    except AttributeError as e:
        raise click.UsageError(
            f"Module {module_name!r} has no attribute {attr or 'env'!r}"
            f" (--env {spec!r})."
        ) from e

    if not isinstance(value, Environment) and callable(value):
        value = value()

    if not isinstance(value, Environment):
        raise click.UsageError(
            f"--env {spec!r} gives {type(value).__name__!r}, not an Environment"
            " or a function returning one."
        )

    ctx.call_on_close(value.close)
    return value


main = make_group(
    _load_env,
    name="alembic-envkit",
    params=[
        click.Option(
            ["--env", "env_spec"],
            envvar=_ENV_VAR,
            expose_value=False,
            callback=_store_env_spec,
            metavar="MODULE:ATTRIBUTE",
            help=(
                "The Environment to use, or a function returning it"
                f" (default attribute: env). Also read from {_ENV_VAR}."
            ),
        )
    ],
    help="Perform database migrations with an alembic_envkit Environment.",
)
