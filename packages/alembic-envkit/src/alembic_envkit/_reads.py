"""The reading half of :class:`.Environment`: where the databases stand,
what the history holds, and the checks that change nothing (``check``,
``verify``, ``lint``). Each method hands its call to the history or to a
runner of ``run``.
"""

from __future__ import annotations

import typing as t

from . import history as _history
from . import run as _run
from ._base import BaseEnvironment
from ._errors import revision_error
from ._snapshots import Snapshots
from ._tenants import Tenants
from .history import Revision
from .history import RevisionArg
from .history import saves_cache
from .run import operation
from .settings import ledger_settings
from .settings import tenant_settings

if t.TYPE_CHECKING:
    from .lint import LintReport


class ReadingEnvironment(BaseEnvironment):
    """:class:`.BaseEnvironment` with the commands that read; see
    :class:`.Environment`, which adds those that write, for the parameters.
    """

    # Reading where the databases stand and what the history holds

    @operation
    def current(self) -> tuple[Revision, ...]:
        """The current revisions of the primary database."""
        return self.current_by_database()[self.targets.primary]

    @saves_cache
    @operation
    def current_by_database(self) -> dict[str, tuple[Revision, ...]]:
        """The current revisions of each database, by name."""
        return _run.current_by_database(
            self.history, self.connections, self.selected_names
        )

    @operation
    def interrupted_by_database(self) -> dict[str, str]:
        """The databases where a revision stopped half way (on MariaDB and
        MySQL, which commit each DDL statement), with what was running, such
        as ``"upgrade of revision r3"``; ``stamp`` clears it.
        """
        return _run.interrupted_by_database(self.connections, self.selected_names)

    @operation
    def needs_upgrade(self) -> bool:
        """Whether any database is not at all head revisions."""
        return bool(self.behind_heads())

    @operation
    def behind_heads(self) -> dict[str, tuple[Revision, ...]]:
        """The databases that are not at all head revisions, with their
        current revisions. As in Alembic, a revision in the version table
        counts for the revisions it depends on (``depends_on``) as well.
        """
        return _run.behind_heads(self.history, self.connections, self.selected_names)

    @saves_cache
    def heads(self, resolve_dependencies: bool = False) -> tuple[Revision, ...]:
        """The revisions that have no child revisions.

        :param resolve_dependencies: Treat dependencies as down revisions.
        """
        return self.history.heads(resolve_dependencies)

    @saves_cache
    def branches(self) -> list[Revision]:
        """The revisions that have more than one next revision, newest
        first.
        """
        return self.history.branches()

    @saves_cache
    def log(
        self, start: RevisionArg = "base", end: RevisionArg = "heads"
    ) -> list[Revision]:
        """The revisions between two revisions, newest first.

        :param start: Oldest revision to include.
        :param end: Newest revision to include.
        """
        return self.history.log(self._ids(start), self._ids(end))

    @saves_cache
    def show(self, revisions: RevisionArg) -> tuple[Revision, ...]:
        """Look up revisions by id, prefix or symbol.

        :param revisions: What to look up; ``current`` means the primary
            database's current revisions.
        """
        return self.history.show(self._ids(revisions))

    @saves_cache
    def wait_for_head(self, timeout: float, *, interval: float = 1.0) -> bool:
        """Wait at most ``timeout`` seconds, checking every ``interval``,
        until every database is at head, as another process upgrades them,
        only reading; one that can't be reached yet is not at head. Returns
        whether every database reached head in time.
        """
        return _run.wait_for_head(self.behind_heads, self.close, timeout, interval)

    @saves_cache
    @operation
    def check(self) -> dict[str, list[t.Any]]:
        """Compare the metadata with each database as a new revision would,
        after the ``process_revision_directives`` hook, without writing
        anything.

        :return: Alembic's diff tuples for each database, by name; all empty
            when the models match.
        :raises RevisionError: If a database is not at head: upgrade it first.
        """
        names = self.selected_names
        return _run.autogenerate_diffs(self.history, self.connections, names)

    def verify(self) -> list[_history.Finding]:
        """Check the history as a team's CI gate would, from the files'
        headers, and the snapshots against it; where the ledger is kept,
        also each database's applied revisions (see ``docs/history.md``).
        Every finding, errors and warnings; empty when all is well.
        """
        found = _run.verify_files(self.history, self.settings)

        if any(f.severity == "error" for f in found):
            return found  # A history that won't read.

        if ledger_settings(self.settings.options).table is None:
            return found  # No database needed.

        return found + self._ledger_findings()

    @operation
    def _ledger_findings(self) -> list[_history.Finding]:
        names = self.database_names
        return _run.ledger_findings(self.history, self.connections, names)

    @saves_cache
    @operation
    def rebase(self, revisions: str | t.Sequence[str]) -> list[_history.Rebased]:
        """Put revisions (ids or unique starts, moved in order) that no
        database has applied, and those after them, on the head of their
        branch, rewriting their ``down_revision``; return those moved (new
        in 0.2). An unknown revision, a merge or root, one applied in any
        database or any tenant (where tenants are configured), or one that
        could go on several heads is refused with a
        :exc:`.RevisionError`, changing nothing.
        """
        ids = [revisions] if isinstance(revisions, str) else list(revisions)
        rows = _run.rows_by_database(self.connections, self.database_names)
        return _history.rebase(self.history, ids, {**rows, **self._tenant_rows()})

    def _tenant_rows(self) -> dict[str, tuple[str, ...]]:
        """Each tenant's version table rows, named ``"<database> (tenant
        <name>)"``; none when no tenants are configured.
        """
        if tenant_settings(self.settings) is None:
            return {}

        tenancy = self.tenancy
        found = _run.tenant_versions(tenancy, tenancy.names())
        primary = tenancy.primary.name
        return {f"{primary} (tenant {name})": ids for name, ids in found.items()}

    @saves_cache
    @operation
    def lint(
        self, *, since: str | None = None, every: bool = False
    ) -> dict[str, LintReport]:
        """Lint the revisions each database has not applied (``since``: those
        after a revision; ``every``: all; both need no database), run offline
        against a recorder of operations: a report by database (new in 0.3).
        """
        names = self.selected_names
        return _run.lint(self.history, self.connections, names, since, every)

    @saves_cache
    @operation
    def rehash(self, revision: str, reason: str) -> list[str]:
        """Accept an edit to an applied revision: record its checksums as
        they are now, with ``reason``, in the ledger of every database that
        applied it, and of every tenant that did where tenants are
        configured (named ``"<database> (tenant <name>)"``). Returns those
        databases.
        """
        names = self.database_names
        done = _run.rehash(self.history, self.connections, revision, reason, names)

        if tenant_settings(self.settings) is not None:
            done += _run.rehash_tenants(self.tenancy, revision, reason)

        if not done:
            raise revision_error(
                f"Revision {revision!r} is applied to no database; there is nothing"
                " to accept."
            )

        return done

    @property
    def snapshots(self) -> Snapshots:
        """The snapshot commands (new in 0.3): write, check, find."""
        return Snapshots(self)

    @property
    def tenants(self) -> Tenants:
        """The tenant commands (new in 0.3): status, upgrade, create..."""
        return Tenants(self)

    def _ids(self, value: RevisionArg) -> list[str]:
        current = self.current  # "current": the primary database's.
        return _history.replace_current(value, lambda: [s.revision for s in current()])
