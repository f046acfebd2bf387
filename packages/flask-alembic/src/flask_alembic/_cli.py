"""The ``flask db`` command group: alembic_envkit's commands, working on the
current app's environment.
"""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup
from flask.cli import ScriptInfo

from alembic_envkit import Environment
from alembic_envkit._cli import make_group


def make_cli(name: str = "db") -> click.Group:
    """Build the command group registered by ``init_app``.

    :param name: Name of the group.
    """
    return make_group(_get_environment, name=name, cls=AppGroup)


def _get_environment() -> Environment:
    ctx = click.get_current_context()

    if not current_app:
        # Outside the flask command (a test runner, a plain click group):
        # load the app the way Flask's with_appcontext does.
        app = ctx.ensure_object(ScriptInfo).load_app()
        ctx.with_resource(app.app_context())

    return current_app.extensions["alembic"].environment  # type: ignore[no-any-return]
