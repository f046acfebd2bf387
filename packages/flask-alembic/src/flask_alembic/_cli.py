"""The ``flask db`` command group: alembic_envkit's commands, working on the
current app's environment.
"""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup
from flask.cli import ScriptInfo

from alembic_envkit import Environment
from alembic_envkit import make_group

#: The commands that change a database or write revisions, which warn about
#: Flask-SQLAlchemy binds left out of the migrations.
_WRITING = frozenset({"upgrade", "downgrade", "stamp", "revision", "migrate", "merge"})


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

    # Whatever a group of the app's own put in ctx.obj (3.x's group put the
    # extension there), the commands work on the current app's extension.
    ext = current_app.extensions["alembic"]
    env: Environment = ext.environment

    if ctx.command.name in _WRITING:
        binds = ext._unmigrated_binds()

        if binds:
            click.echo(_binds_warning(binds), err=True)

    return env


def _binds_warning(binds: list[str]) -> str:
    """One line naming the binds left out and the ``metadatas`` to pass."""
    names = ", ".join(repr(b) for b in binds)
    entries = ", ".join(
        [
            "'default': db.metadata",
            *(f"{b!r}: db.metadatas[{b!r}]" for b in binds if b != "default"),
        ]
    )
    return (
        f"Warning: the tables of Flask-SQLAlchemy bind(s) {names} are not"
        f" migrated; to migrate them, pass metadatas={{{entries}}} to Alembic()."
    )
