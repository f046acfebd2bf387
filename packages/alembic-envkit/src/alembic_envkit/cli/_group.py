"""The click group holding every command, for any environment."""

from __future__ import annotations

import copy
import functools
import typing as t

import click

from ._context import GET_ENV
from ._context import GetEnv
from ._context import log_to_stderr
from ._integrity import COMMANDS as INTEGRITY_COMMANDS
from ._lint import COMMANDS as LINT_COMMANDS
from ._options import group_params
from ._read import COMMANDS as READ_COMMANDS
from ._run import COMMANDS as RUN_COMMANDS
from ._snapshot import COMMANDS as SNAPSHOT_COMMANDS
from ._tenant_checks import with_tenant_checks
from ._tenants import COMMANDS as TENANT_COMMANDS
from ._tenants import with_tenants
from ._write import COMMANDS as WRITE_COMMANDS

#: Every command, in the order they are added to a group.
COMMANDS: list[click.Command] = [
    with_tenant_checks(with_tenants(command))
    for command in [
        *WRITE_COMMANDS,
        *RUN_COMMANDS,
        *READ_COMMANDS,
        *INTEGRITY_COMMANDS,
        *SNAPSHOT_COMMANDS,
        *LINT_COMMANDS,
        *TENANT_COMMANDS,
    ]
]


def make_group(
    get_env: GetEnv,
    *,
    name: str = "db",
    cls: type[click.Group] = click.Group,
    params: t.Sequence[click.Parameter] = (),
    help: str = "Perform database migrations.",
) -> click.Group:
    """Build a click group holding every migration command: the commands of
    ``flask db`` and ``alembic-envkit``, for any environment.

    :param get_env: Returns the environment to work on; called once per
        command, inside the command.
    :param name: Name of the group.
    :param cls: Group class, for example Flask's ``AppGroup``.
    :param params: Extra parameters of the group. Their values are not passed
        on; use a parameter callback to record them.
    :param help: Help text of the group.

    .. versionadded:: 0.1
    """

    def callback() -> None:
        ctx = click.get_current_context()
        ctx.meta[GET_ENV] = get_env
        log_to_stderr(ctx)

    group = cls(name, callback=callback, params=[*params, *group_params()], help=help)

    for command in COMMANDS:
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

        if GET_ENV not in ctx.meta:
            ctx.meta[GET_ENV] = get_env
            log_to_stderr(ctx)

        return callback(*args, **kwargs)

    bound.callback = run
    return bound
