"""The ``alembic-envkit`` command, for applications without Flask: the same
commands as ``flask db``, for an Environment named on the command line.
"""

from __future__ import annotations

import importlib
import os
import sys
import typing as t

import click
from click.core import ParameterSource

from .._environment import Environment
from ._group import make_group

ENV_VAR = "ALEMBIC_ENVKIT_ENV"
_SPEC = "alembic_envkit.env_spec"
_SOURCE = "alembic_envkit.env_source"


def _store_env_spec(
    ctx: click.Context, param: click.Parameter, value: str | None
) -> None:
    ctx.meta[_SPEC] = value
    from_var = ctx.get_parameter_source("env_spec") is ParameterSource.ENVIRONMENT
    ctx.meta[_SOURCE] = f"{ENV_VAR}={value!r}" if from_var else f"--env {value!r}"


class _Main(click.Group):
    """The ``alembic-envkit`` group: ``--env`` given after the command gets
    a hint that it goes before it.
    """

    def invoke(self, ctx: click.Context) -> t.Any:
        try:
            return super().invoke(ctx)
        except click.NoSuchOption as e:
            if e.option_name != "--env":
                raise

            raise click.UsageError(
                "No such option '--env' here: --env goes before the command,"
                " as in 'alembic-envkit --env app:env current'.",
                ctx=e.ctx,
            ) from e


def load_environment() -> Environment:
    """Import the environment named by ``--env`` (or the environment
    variable) for the running command. A callable is called to make it.
    """
    ctx = click.get_current_context()
    spec = ctx.meta.get(_SPEC)

    if not spec:
        raise click.UsageError(
            "Say which environment to use with '--env module:attribute' or the"
            f" {ENV_VAR} environment variable."
        )

    source = ctx.meta.get(_SOURCE) or f"--env {spec!r}"
    module_name, _, attr = spec.partition(":")
    attr = attr or "env"

    if os.curdir not in sys.path and "" not in sys.path:
        sys.path.insert(0, "")

    try:
        module = importlib.import_module(module_name)
    except ImportError as e:
        raise click.UsageError(
            f"Cannot import {module_name!r} from {source}: {e}"
        ) from e

    try:
        value = getattr(module, attr)
    except AttributeError as e:
        raise click.UsageError(
            f"Module {module_name!r} has no attribute {attr!r} ({source})."
        ) from e

    if not isinstance(value, Environment) and callable(value):
        value = value()

    if not isinstance(value, Environment):
        raise click.UsageError(
            f"{source} gives {type(value).__name__!r}, not an Environment"
            " or a function returning one."
        )

    ctx.call_on_close(value.close)
    return value


main = make_group(
    load_environment,
    name="alembic-envkit",
    cls=_Main,
    params=[
        click.Option(
            ["--env", "env_spec"],
            envvar=ENV_VAR,
            expose_value=False,
            callback=_store_env_spec,
            metavar="MODULE:ATTRIBUTE",
            help=(
                "The Environment to use, or a function returning it"
                f" (default attribute: env). Also read from {ENV_VAR}."
            ),
        )
    ],
    help="Perform database migrations with an alembic_envkit Environment.",
)
