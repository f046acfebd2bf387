"""Where Flask-Alembic 3.x defined the ``db`` command group and its
commands; kept so that ``from flask_alembic.cli import cli`` and
``flask_alembic.cli.upgrade`` keep working, for example to add the commands
to a group of your own after ``Alembic(command_name="")``.

Each command works in any click group, on the current app's ``Alembic``
extension, whatever the group puts in ``ctx.obj``.
"""

from __future__ import annotations

import click

from ._cli import make_cli

#: The migration commands as a click group named ``db``, working on the
#: current app's ``Alembic`` extension.
cli = make_cli("db")

mkdir: click.Command = cli.commands["mkdir"]
current: click.Command = cli.commands["current"]
heads: click.Command = cli.commands["heads"]
branches: click.Command = cli.commands["branches"]
log: click.Command = cli.commands["log"]
show: click.Command = cli.commands["show"]
check: click.Command = cli.commands["check"]
stamp: click.Command = cli.commands["stamp"]
upgrade: click.Command = cli.commands["upgrade"]
downgrade: click.Command = cli.commands["downgrade"]
revision: click.Command = cli.commands["revision"]
merge: click.Command = cli.commands["merge"]

__all__ = [
    "branches",
    "check",
    "cli",
    "current",
    "downgrade",
    "heads",
    "log",
    "merge",
    "mkdir",
    "revision",
    "show",
    "stamp",
    "upgrade",
]
