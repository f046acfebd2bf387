"""What a command finds on the click context: the environment to work on,
the ``-x`` arguments, the databases chosen with ``--db``, and the handler
that shows progress on stderr.

The group made by :func:`.make_group` stores them; :func:`pass_env` hands
the environment to a command, with the ``-x`` arguments and the database
selection in effect, and turns errors into one line and exit code 1.
"""

from __future__ import annotations

import functools
import logging
import typing as t
import warnings

import click

from .._errors import EnvkitError

if t.TYPE_CHECKING:
    from .._environment import Environment

GetEnv: t.TypeAlias = t.Callable[[], "Environment"]

#: Keys of ``click.Context.meta``.
GET_ENV = "alembic_envkit.get_env"
X_ARGS = "alembic_envkit.x_args"
HANDLER = "alembic_envkit.log_handler"
DBS = "alembic_envkit.databases"

_F = t.TypeVar("_F", bound=t.Callable[..., t.Any])


def store_dbs(
    ctx: click.Context, param: click.Parameter, value: tuple[str, ...]
) -> None:
    """Callback of ``--db``: add the names to the selection."""
    ctx.meta.setdefault(DBS, []).extend(value)


def store_x(ctx: click.Context, param: click.Parameter, value: tuple[str, ...]) -> None:
    """Callback of ``-x``: add the arguments to those the group got."""
    ctx.meta.setdefault(X_ARGS, []).extend(value)


def pass_env(f: _F) -> _F:
    """Call the command with the environment as its first argument, with the
    ``-x`` arguments in effect, and turn errors into a one-line message and
    exit code 1.
    """

    @functools.wraps(f)
    def wrapper(*args: t.Any, **kwargs: t.Any) -> t.Any:
        ctx = click.get_current_context()

        try:
            env = ctx.meta[GET_ENV]()

            with env.command(), env.x_arguments(ctx.meta.get(X_ARGS, ())):
                with env.selecting(ctx.meta.get(DBS)), warnings.catch_warnings():
                    warnings.showwarning = _show_warning
                    return f(env, *args, **kwargs)
        except EnvkitError as e:
            raise click.ClickException(str(e)) from e

    return t.cast(_F, wrapper)


def log_to_stderr(ctx: click.Context) -> None:
    """Show what migrations run, on stderr, for the length of the command.
    Loggers the application already configured are left alone.
    """
    handler = _EchoHandler()
    ctx.meta[HANDLER] = handler
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


def log_warnings_only() -> None:
    """From now on, show only warnings and errors on stderr (``--quiet``)."""
    handler = click.get_current_context().meta.get(HANDLER)

    if handler is not None:
        handler.setLevel(logging.WARNING)


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


class _EchoHandler(logging.Handler):
    """Writes log lines to click's stderr, leaving out Alembic's notes about
    loading its own plugins.
    """

    def emit(self, record: logging.LogRecord) -> None:
        if not record.name.startswith("alembic.runtime.plugins"):
            click.echo(self.format(record), err=True)
