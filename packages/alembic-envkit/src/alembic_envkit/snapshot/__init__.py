"""Schema snapshots: a database's schema and rows at a revision, written
once by replaying the history into a scratch database, and loaded into an
empty database instead of replaying every revision.

Nothing here imports Alembic; the runners in ``run`` build and load them.
Dumping, loading and reading catalogs are imported on first use: reading
the history never needs them.
"""

import typing as t

from ._file import file_name
from ._file import FORMAT
from ._file import history_hash
from ._file import newest_within
from ._file import read_header
from ._file import render
from ._file import Snapshot
from ._file import snapshots
from ._file import stale_findings

if t.TYPE_CHECKING:
    from ._catalog import Catalog
    from ._catalog import catalog
    from ._catalog import compare_catalogs
    from ._dump import dump
    from ._load import load
    from ._load import load_statements
    from ._rehome import Refused
    from ._rehome import rehome
    from ._rehome import Rehomed
    from ._rehome import rehomed
    from ._statements import statements
    from ._template import copy_template
else:
    _LAZY = {
        "Catalog": "_catalog",
        "catalog": "_catalog",
        "compare_catalogs": "_catalog",
        "dump": "_dump",
        "load": "_load",
        "load_statements": "_load",
        "Refused": "_rehome",
        "rehome": "_rehome",
        "Rehomed": "_rehome",
        "rehomed": "_rehome",
        "statements": "_statements",
        "copy_template": "_template",
    }

    def __getattr__(name: str) -> t.Any:
        module = _LAZY.get(name)

        if module is None:
            raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

        import importlib

        return getattr(importlib.import_module(f".{module}", __name__), name)


__all__ = [
    "FORMAT",
    "Catalog",
    "Refused",
    "Rehomed",
    "Snapshot",
    "catalog",
    "compare_catalogs",
    "copy_template",
    "dump",
    "file_name",
    "history_hash",
    "load",
    "load_statements",
    "newest_within",
    "read_header",
    "rehome",
    "rehomed",
    "render",
    "snapshots",
    "stale_findings",
    "statements",
]
