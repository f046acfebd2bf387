"""Where Flask-Alembic 3.x defined the ``db`` command group; kept so that
``from flask_alembic.cli import cli`` keeps working, for example to add the
commands to a group of your own after ``Alembic(command_name="")``.
"""

from ._cli import make_cli

#: The migration commands as a click group named ``db``, working on the
#: current app's ``Alembic`` extension.
cli = make_cli("db")

__all__ = ["cli"]
