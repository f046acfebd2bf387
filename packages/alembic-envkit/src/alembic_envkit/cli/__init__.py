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

import typing as t

from ._context import GetEnv
from ._group import make_group

if t.TYPE_CHECKING:
    from ._main import main
else:

    def __getattr__(name: str) -> t.Any:
        # The alembic-envkit command builds a group of its own when its
        # module is imported, which `flask db` never needs.
        if name == "main":
            from ._main import main

            return main

        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["GetEnv", "main", "make_group"]
