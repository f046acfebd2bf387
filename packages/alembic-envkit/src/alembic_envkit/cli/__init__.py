"""The command line: click commands over a callable that returns an
Environment, shared by ``flask db`` and the ``alembic-envkit`` command.

Imports point one way. ``_main`` (the ``alembic-envkit`` command) uses
``_group``, which builds the group from the command modules: ``_write``
(the folder and new revisions), ``_run`` (upgrade, downgrade, stamp) and
``_read``. Those use ``_sql`` (the ``--sql`` options), ``_options``,
``_output`` (what is printed as data) and ``_context`` (what a command finds
on the click context). Nothing imports this module or ``_group`` back.
"""

from __future__ import annotations

from ._context import GetEnv
from ._group import make_group
from ._main import main

__all__ = ["GetEnv", "main", "make_group"]
