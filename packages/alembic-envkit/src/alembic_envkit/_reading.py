"""Reading where databases stand and what the history holds: the methods
of :class:`.Environment` that change nothing.
"""

from __future__ import annotations

import time
import typing as t

import sqlalchemy as sa

from . import _async
from ._connections import connect
from ._current import interrupted_revision
from ._current import version_rows
from ._errors import DatabaseUnavailableError
from ._errors import revision_error
from ._errors import translate_alembic_errors
from ._graph import Revision
from ._revision_files import RevisionFiles
from ._revision_files import saves_cache
from ._revisions import replace_current
from ._revisions import revision_ids
from ._revisions import RevisionArg

_T = t.TypeVar("_T")


class Reading(RevisionFiles):
    """The read methods of :class:`.Environment`. Revisions come from the
    revision graph, read from the files' headers, and the version tables are
    read with plain SQLAlchemy, so none of this imports Alembic unless a
    revision argument needs its resolution.
    """

    @_async.operation
    def current(self) -> tuple[Revision, ...]:
        """The current revisions of the primary database."""
        return self.current_by_database()[self.targets.primary]

    @saves_cache
    @_async.operation
    def current_by_database(self) -> dict[str, tuple[Revision, ...]]:
        """The current revisions of each database, by name."""
        # Missing engines or metadata are reported before the history.
        self.targets  # noqa: B018
        graph = self.revision_graph
        result = {}

        for name, ids in self._read_version_tables(version_rows).items():
            missing = [i for i in ids if i not in graph]

            if missing:
                searched = ", ".join(p for _, p in self.settings.version_locations)
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

    @_async.operation
    def interrupted_by_database(self) -> dict[str, str]:
        """The databases where a revision stopped half way, with what was
        running, such as ``"upgrade of revision r3"``. Only MariaDB and MySQL,
        which commit each DDL statement, can be left so; the next upgrade
        refuses to run until ``stamp`` records where the database stands.

        .. versionadded:: 0.1
        """
        found = self._read_version_tables(
            interrupted_revision, dialects=("mysql", "mariadb")
        )
        return {name: what for name, what in found.items() if what is not None}

    def _read_version_tables(
        self,
        read: t.Callable[[sa.Connection, str, str | None], _T],
        *,
        dialects: tuple[str, ...] | None = None,
    ) -> dict[str, _T]:
        """Call ``read(connection, version_table, schema)`` for each selected
        database (of the given dialects only, if given), by name.
        """
        targets = self.targets
        bound = _async.scope(self._scope).get(self)
        result = {}

        for name in self.selected_names:
            engine = _async.engine_for(targets[name])

            if dialects is not None and engine.dialect.name not in dialects:
                continue

            opts = self.settings.context_options_for(name)
            table = opts.get("version_table") or "alembic_version"
            schema = opts.get("version_table_schema")

            if bound is not None and bound.environments:
                # Read on the connection this scope already holds, which may
                # be inside a transaction that changed the version table.
                connection = bound.environments[name].get_context().connection
                result[name] = read(connection, table, schema)
            else:
                with connect(name, engine) as connection:
                    result[name] = read(connection, table, schema)

        return result

    @_async.operation
    def needs_upgrade(self) -> bool:
        """Whether any database is not at all head revisions."""
        return bool(self.behind_heads())

    @_async.operation
    def behind_heads(self) -> dict[str, tuple[Revision, ...]]:
        """The databases that are not at all head revisions, with their
        current revisions. As in Alembic, a revision in the version table
        counts for the revisions it depends on (``depends_on``) as well.
        """
        graph = self.revision_graph
        return {
            name: current
            for name, current in self.current_by_database().items()
            if not graph.at_heads(s.revision for s in current)
        }

    @saves_cache
    def heads(self, resolve_dependencies: bool = False) -> tuple[Revision, ...]:
        """The revisions that have no child revisions.

        :param resolve_dependencies: Treat dependencies as down revisions.
        """
        graph = self.revision_graph
        ids = graph.real_heads if resolve_dependencies else graph.heads
        return tuple(graph[i] for i in ids)

    @saves_cache
    def branches(self) -> list[Revision]:
        """The revisions that have more than one next revision, newest
        first.
        """
        graph = self.revision_graph

        if not any(r.is_branch_point for r in graph.revisions.values()):
            return []

        return [r for r in self.log() if r.is_branch_point]

    @saves_cache
    def log(
        self, start: RevisionArg = "base", end: RevisionArg = "heads"
    ) -> list[Revision]:
        """The revisions between two revisions, newest first.

        :param start: Oldest revision to include.
        :param end: Newest revision to include.
        """
        start_ids = self._with_current(revision_ids(start))
        end_ids = self._with_current(revision_ids(end))

        # walk_revisions is typed for one id each, but takes lists too.
        base: t.Any = _scalar(start_ids)
        head: t.Any = _scalar(end_ids)
        graph = self.revision_graph

        with translate_alembic_errors():
            return [
                graph[s.revision]
                for s in self.script_directory.walk_revisions(base, head)
            ]

    @saves_cache
    def show(self, revisions: RevisionArg) -> tuple[Revision, ...]:
        """Look up revisions by id, prefix or symbol.

        :param revisions: What to look up; ``current`` means the primary
            database's current revisions.
        """
        ids = self._with_current(revision_ids(revisions))
        graph = self.revision_graph
        found = graph.get(ids)

        if found is not None:
            return found

        with translate_alembic_errors():
            return tuple(
                graph[s.revision]
                for s in self.script_directory.get_revisions(ids)
                if s is not None
            )

    @saves_cache
    def wait_for_head(self, timeout: float, *, interval: float = 1.0) -> bool:
        """Wait until every database is at head, for example while another
        process upgrades them. Only reads, so it never holds up the
        migrating process. A database that cannot be reached yet counts as
        not at head.

        :param timeout: Seconds to wait at most.
        :param interval: Seconds between checks.
        :return: Whether every database reached head in time.
        """
        deadline = time.monotonic() + timeout

        while True:
            try:
                if not self.behind_heads():
                    return True
            except (DatabaseUnavailableError, sa.exc.DBAPIError):
                self.close()  # Reconnect on the next try.

            remaining = deadline - time.monotonic()

            if remaining <= 0:
                return False

            time.sleep(min(interval, remaining))

    def _positions(self) -> str:
        """Where each database stands, for an error message."""
        try:
            current = self.current_by_database()
        except Exception:  # The error being reported matters more.
            return "unknown"

        return ", ".join(
            f"{name} {', '.join(s.revision for s in scripts) or '<base>'}"
            for name, scripts in current.items()
        )

    def _with_current(self, ids: list[str]) -> list[str]:
        if "current" not in ids:
            return ids

        return replace_current(ids, [s.revision for s in self.current()])


def _scalar(ids: list[str]) -> str | list[str]:
    return ids[0] if len(ids) == 1 else ids
