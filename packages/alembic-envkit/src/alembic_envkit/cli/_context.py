"""Click commands for an Environment, shared by ``flask db`` and the
``alembic-envkit`` command.

The commands find their environment through a callable stored on the click
context by :func:`make_group`, so any group can host them. Only the command
line prints: data to stdout, progress, notes and errors to stderr.
"""

from __future__ import annotations

import copy
import functools
import logging
import typing as t
import warnings

import click

from .._errors import EnvkitError

if t.TYPE_CHECKING:
    from alembic.script import Script

    from .._environment import Environment
    from .._graph import Revision

GetEnv: t.TypeAlias = t.Callable[[], "Environment"]

_GET_ENV = "alembic_envkit.get_env"
_X_ARGS = "alembic_envkit.x_args"
_HANDLER = "alembic_envkit.log_handler"
_DBS = "alembic_envkit.databases"


def _store_dbs(
    ctx: click.Context, param: click.Parameter, value: tuple[str, ...]
) -> None:
    ctx.meta.setdefault(_DBS, []).extend(value)


_F = t.TypeVar("_F", bound=t.Callable[..., t.Any])


def _store_x(
    ctx: click.Context, param: click.Parameter, value: tuple[str, ...]
) -> None:
    ctx.meta.setdefault(_X_ARGS, []).extend(value)


_X_DECLS = ("-x", "--x-arg")
_X_ATTRS: dict[str, t.Any] = {
    "multiple": True,
    "expose_value": False,
    "callback": _store_x,
    "metavar": "KEY=VALUE",
    "help": "Readable in revision files as context.get_x_argument().",
}
_x_option = click.option(*_X_DECLS, **_X_ATTRS)


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

    db_option = click.Option(
        ["--db", "databases"],
        multiple=True,
        expose_value=False,
        callback=_store_dbs,
        metavar="NAME",
        help="Work on this database only (repeatable; default: all).",
    )
    group = cls(
        name,
        callback=callback,
        params=[*params, click.Option(_X_DECLS, **_X_ATTRS), db_option],
        help=help,
    )

    from . import _read
    from . import _run

    for command in [*_run.COMMANDS, *_read.COMMANDS]:
        group.add_command(_bind(command, get_env))

    return group


def _bind(command: click.Command, get_env: GetEnv) -> click.Command:
    """A copy of a command that also works when added to another group: if
    no group made by :func:`make_group` ran before it, it finds its
    environment through ``get_env`` and shows progress on stderr itself.
    """
    bound = copy.copy(command)
    callback = command.callback

    if callback is None:
        return bound

    @functools.wraps(callback)
    def run(*args: t.Any, **kwargs: t.Any) -> t.Any:
        ctx = click.get_current_context()

        if _GET_ENV not in ctx.meta:
            ctx.meta[_GET_ENV] = get_env
            _log_to_stderr(ctx)

        return callback(*args, **kwargs)

    bound.callback = run
    return bound


def _pass_env(f: _F) -> _F:
    """Call the command with the environment as its first argument, with the
    ``-x`` arguments in effect, and turn errors into a one-line message and
    exit code 1.
    """

    @functools.wraps(f)
    def wrapper(*args: t.Any, **kwargs: t.Any) -> t.Any:
        ctx = click.get_current_context()

        try:
            env = ctx.meta[_GET_ENV]()

            with env.command(), env.x_arguments(ctx.meta.get(_X_ARGS, ())):
                with env.selecting(ctx.meta.get(_DBS)), warnings.catch_warnings():
                    warnings.showwarning = _show_warning
                    return f(env, *args, **kwargs)
        except EnvkitError as e:
            raise click.ClickException(str(e)) from e

    return t.cast(_F, wrapper)


def _show_warning(
    message: Warning | str,
    category: type[Warning],
    filename: str,
    lineno: int,
    file: t.TextIO | None = None,
    line: str | None = None,
) -> None:
    """Show a warning (such as autogenerate's about an unnamed constraint)
    as one line on stderr, without the file and line it was raised on.
    """
    click.echo(f"Warning: {' '.join(str(message).split())}", err=True)


def _log_to_stderr(ctx: click.Context) -> None:
    """Show what migrations run, on stderr, for the length of the command.
    Loggers the application already configured are left alone.
    """
    handler = _EchoHandler()
    ctx.meta[_HANDLER] = handler
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


def _format(
    revision: Revision | Script, verbose: bool, *, current: bool = False
) -> str:
    """A revision in the layout of Alembic's commands; ``current`` adds
    "(current)" as ``history --indicate-current`` shows it.
    """
    # _db_current_indicator is the flag Alembic's cmd_format reads.
    revision._db_current_indicator = current or None

    try:
        return revision.cmd_format(
            verbose,
            include_branches=True,
            include_doc=True,
            include_parents=True,
            tree_indicators=True,
        )
    finally:
        revision._db_current_indicator = None


def _one_message(positional: str | None, option: str | None) -> str | None:
    if positional is not None and option is not None and positional != option:
        raise click.UsageError("Give the message once: as an argument or with -m.")

    return option if option is not None else positional


_verbose = click.option("-v", "--verbose", is_flag=True, help="Show full details.")
_output = click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="text for people; json for one JSON document on stdout.",
)


def _echo_json(command: str, **body: t.Any) -> None:
    import json

    from ._output import document

    click.echo(json.dumps(document(command, **body), indent=2, ensure_ascii=False))


def _revisions_json(
    scripts: t.Iterable[Revision | Script],
) -> list[dict[str, t.Any]]:
    from ._output import revision_json

    return [revision_json(s) for s in scripts]


_rev_id = click.option(
    "--rev-id", help="Id of the new revision, instead of a timestamp."
)
_label = click.option(
    "-l", "--label", "--branch-label", multiple=True, help="Branch label(s)."
)


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
