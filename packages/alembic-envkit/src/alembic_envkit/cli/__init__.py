"""The command line: click commands over a callable that returns an
Environment, shared by ``flask db`` and the ``alembic-envkit`` command.
"""

from ._context import GetEnv
from ._context import make_group
from ._main import main

__all__ = ["GetEnv", "main", "make_group"]
