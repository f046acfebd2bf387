"""Where databases stand: their version tables read with plain SQLAlchemy,
against the revision graph, so none of this imports Alembic.
"""

from __future__ import annotations

import time
import typing as t

import sqlalchemy as sa

from .._errors import DatabaseUnavailableError
from .._errors import revision_error
from ._version_table import interrupted_revision
from ._version_table import version_rows
from .dialects import marking_dialects

if t.TYPE_CHECKING:
    from ..history import History
    from ..history import Revision
    from ._connections import Connections


def rows_by_database(
    connections: Connections, names: t.Sequence[str]
) -> dict[str, tuple[str, ...]]:
    """The revision ids in each named database's version table, whether or
    not the history has them.
    """
    return connections.read_version_tables(version_rows, names)


def current_by_database(
    history: History, connections: Connections, names: t.Sequence[str]
) -> dict[str, tuple[Revision, ...]]:
    """The current revisions of each named database."""
    # Missing engines or metadata are reported before the history.
    connections.targets  # noqa: B018
    graph = history.graph
    result = {}

    for name, ids in connections.read_version_tables(version_rows, names).items():
        missing = [i for i in ids if i not in graph]

        if missing:
            searched = ", ".join(p for _, p in history.settings.version_locations)
            raise revision_error(
                f"Can't locate revision identified by {missing[0]!r}: database"
                f" {name!r} is at a revision that none of the folders searched"
                f" ({searched}) has. Check that 'script_location' (and"
                " 'version_locations') name the folder holding its file; only"
                " if the file is gone for good, record the right revision with"
                " 'stamp --purge'."
            )

        result[name] = tuple(graph[i] for i in ids)

    return result


def interrupted_by_database(
    connections: Connections, names: t.Sequence[str]
) -> dict[str, str]:
    """The named databases where a revision stopped half way, with what
    was running. Only databases whose dialect marks a running revision
    (MariaDB and MySQL, whose DDL commits each statement) are read.
    """
    found = connections.read_version_tables(
        interrupted_revision, names, dialects=marking_dialects()
    )
    return {name: what for name, what in found.items() if what is not None}


def behind_heads(
    history: History, connections: Connections, names: t.Sequence[str]
) -> dict[str, tuple[Revision, ...]]:
    """The named databases that are not at all head revisions, with their
    current revisions.
    """
    graph = history.graph
    return {
        name: current
        for name, current in current_by_database(history, connections, names).items()
        if not graph.at_heads(s.revision for s in current)
    }


def wait_for_head(
    behind: t.Callable[[], t.Mapping[str, t.Any]],
    reconnect: t.Callable[[], None],
    timeout: float,
    interval: float,
) -> bool:
    """Call ``behind`` until it finds no database behind head, or
    ``timeout`` seconds have passed; see :meth:`.Environment.wait_for_head`.
    A database that cannot be reached yet counts as behind: ``reconnect``
    drops the connections before the next try.
    """
    deadline = time.monotonic() + timeout

    while True:
        try:
            if not behind():
                return True
        except (DatabaseUnavailableError, sa.exc.DBAPIError):
            reconnect()

        remaining = deadline - time.monotonic()

        if remaining <= 0:
            return False

        time.sleep(min(interval, remaining))


def positions(
    history: History, connections: Connections, names: t.Sequence[str]
) -> str:
    """Where each named database stands, for an error message."""
    try:
        current = current_by_database(history, connections, names)
    except Exception:  # The error being reported matters more.
        return "unknown"

    return ", ".join(
        f"{name} {', '.join(s.revision for s in scripts) or '<base>'}"
        for name, scripts in current.items()
    )
