"""Environment: what ``env.py`` is in plain Alembic, built from settings.

The commands that write, each handed to the history or to a runner of
``run``; those that read are in ``_reads``, the state and Alembic's own
objects in ``_base``.
"""

from __future__ import annotations

import os
import typing as t

from . import history as _history
from . import run as _run
from ._base import selection
from ._errors import ConfigurationError
from ._reads import ReadingEnvironment
from .history import RevisionArg
from .history import saves_cache
from .history import TargetArg
from .run import operation

if t.TYPE_CHECKING:
    from alembic.script import Script


class Environment(ReadingEnvironment):
    """An Alembic migration environment built from :class:`.Settings` and
    :class:`.Targets`, with no ``alembic.ini`` or ``env.py``.

    Alembic's objects are made on first use and cached. Revisions are read
    from the files' headers (see :attr:`revision_graph`), checked on each
    use, so a long-running process sees edits. Connections are opened on
    first use, kept per ``scope`` (by default per thread), and released by
    :meth:`close` or at the end of a ``with`` block; with an async engine,
    they last for one method call (see :meth:`run_async`). The methods
    return data and never print.

    :param settings: Where revisions live and which options to use.
    :param targets: The databases to migrate, or a callable that returns them
        on first use.
    :param rev_id: Makes the id of each new revision. The default is the UTC
        time to the millisecond, ``20261122T142530123``.
    :param scope: Returns the dict that connections are kept in. The default
        keeps one set per thread.
    :param database_names: Returns the names of the databases without
        resolving engines, so that reading revisions works before the engines
        are known. By default the names of ``targets``.
    """

    def __enter__(self) -> Environment:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # Changing the databases

    @saves_cache
    @operation
    def upgrade(
        self,
        target: TargetArg = "heads",
        *,
        snapshot: bool | None = None,
        phase: str | None = None,
    ) -> None:
        """Run revisions to upgrade every database.

        :param target: Revision to go up to, or a number of steps.
        :param snapshot: Whether an empty database first gets the newest
            snapshot at or below ``target`` (see :attr:`snapshots`): by
            default as the ``snapshots`` setting says; ``True`` requires it.
            (New in 0.3.)
        :param phase: ``"expand"`` holds back, on every path, each contract
            revision and what comes after it, for a deploy before the new
            code; ``"contract"`` or ``None`` runs everything (new in 0.3).
        """
        options = self._run_options(snapshots=snapshot, phase=phase)
        _run.upgrade(self.history, self.connections, target, **options)

    @saves_cache
    @operation
    def create_at_head(self, *, create_database: bool = False) -> None:
        """Bring new, empty databases to the heads, from their snapshots
        where there are some; with ``create_database``, make them first (on
        PostgreSQL, from a template of the snapshot, which is fastest). A
        database not empty, or existing, is a :exc:`.ConfigurationError`.
        """
        options = self._run_options(create_database=create_database)
        _run.create_at_head(self.history, self.connections, **options)

    @saves_cache
    @operation
    def downgrade(self, target: TargetArg = -1) -> None:
        """Run revisions to downgrade every database.

        :param target: Revision to go down to, or a number of steps down.
        """
        _run.downgrade(self.history, self.connections, target, **self._run_options())

    @saves_cache
    @operation
    def stamp(self, target: RevisionArg = "heads", *, purge: bool = False) -> None:
        """Record revisions as current without running them.

        :param target: Revisions to record.
        :param purge: Empty the version table first, for a table that names
            revisions that no longer exist.
        """
        _run.stamp(
            self.history, self.connections, target, purge=purge, **self._run_options()
        )

    @saves_cache
    @operation
    def plan(
        self,
        target: TargetArg = "heads",
        *,
        down: bool = False,
        phase: str | None = None,
    ) -> dict[str, list[Script]]:
        """The revisions an upgrade (or, with ``down``, a downgrade) to
        ``target`` would run on each database, in order, changing nothing;
        with ``phase="expand"``, those an expand run would (new in 0.3).
        """
        names = self.selected_names
        return _run.plan(
            self.history, self.connections, target, down=down, names=names, phase=phase
        )

    # Writing revisions

    @saves_cache
    @operation
    def revision(
        self,
        message: str | None,
        empty: bool = False,
        branch: str = "default",
        parent: RevisionArg = "head",
        splice: bool = False,
        depend: RevisionArg | None = None,
        label: str | t.Sequence[str] | None = None,
        path: str | os.PathLike[str] | None = None,
        *,
        rev_id: str | None = None,
        skip_empty: bool = False,
        phase: str | None = None,
        tenant: str | None = None,
    ) -> list[Script | None]:
        """Create a revision. Its operations are autogenerated by comparing
        the metadata with the databases, unless ``empty``.

        :param message: Description (``None`` writes "empty message").
        :param empty: Do not autogenerate operations.
        :param branch: Independent branch to add to (a new one starts from
            ``base``); empty for no branch handling.
        :param parent: Parent revisions; ``splice`` allows one not a head.
        :param depend: Revisions this one depends on; ``label``, its branch
            labels; ``path``, the folder to write to.
        :param rev_id: Id of the new revision instead of a generated one.
        :param skip_empty: When autogenerate finds no changes, write nothing
            and return ``[]`` (3.x writes it).
        :param phase: ``"expand"`` or ``"contract"``, written in the new
            file's header (new in 0.3); see ``docs/deploying.md``.
        :param tenant: Compare the metadata with this tenant, at the heads,
            in place of the primary database (new in 0.3); see
            ``docs/tenants.md``.
        """
        if selection.get() is not None:
            raise ConfigurationError(
                "A revision covers every database; choosing databases does not"
                " apply to it."
            )

        self.history.check_template()
        plan = _history.plan_revision(
            self.history, message, branch, parent, depend, label, path
        )
        connections = self.connections

        if tenant is not None:
            connections = _run.comparing_connections(self.tenancy, tenant)

        try:
            return _run.write_revision(
                self.history,
                connections,
                plan,
                make_id=self.rev_id,
                empty=empty,
                splice=splice,
                rev_id=rev_id,
                skip_empty=skip_empty,
                phase=phase,
            )
        finally:
            if tenant is not None:
                connections.close()
                self.tenancy.release(tenant)

    @saves_cache
    def merge(
        self,
        revisions: RevisionArg = "heads",
        message: str | None = None,
        label: str | t.Sequence[str] | None = None,
        *,
        rev_id: str | None = None,
        phase: str | None = None,
    ) -> Script | None:
        """Create a revision that merges several heads.

        :param revisions: Revisions to merge.
        :param message: Description; defaults to naming the merged revisions.
        :param label: Branch labels for this revision.
        :param rev_id: Id of the new revision instead of a generated one.
        :param phase: Written in the header (new in 0.3); a merge marked
            ``"expand"`` with a contract parent is refused.
        """
        return _history.write_merge(
            self.history, self.rev_id, revisions, message, label, rev_id, phase
        )

    # Offline scripts

    @saves_cache
    def upgrade_sql(
        self,
        target: TargetArg = "heads",
        *,
        start: RevisionArg | None = None,
        tag: str | None = None,
        phase: str | None = None,
    ) -> dict[str, str]:
        """The SQL an upgrade to ``target`` (or ``"FROM:TO"``) would run
        from ``start`` (by default an empty database), as a script for each
        selected database, without connecting to any. Revision files read
        ``tag`` as ``context.get_tag_argument()``; ``phase`` is as for
        :meth:`upgrade`.
        """
        return _run.upgrade_sql(*self._offline(), target, start, tag, phase)

    @saves_cache
    def downgrade_sql(
        self,
        target: TargetArg,
        *,
        start: RevisionArg | None = None,
        tag: str | None = None,
    ) -> dict[str, str]:
        """The SQL a downgrade to ``target`` (or ``"FROM:TO"``) would run
        from ``start``, as :meth:`upgrade_sql` makes them.
        """
        return _run.downgrade_sql(*self._offline(), target, start, tag)

    @saves_cache
    def stamp_sql(
        self,
        target: RevisionArg = "heads",
        *,
        start: RevisionArg | None = None,
        tag: str | None = None,
    ) -> dict[str, str]:
        """The SQL that records ``target`` as current without running
        revisions, as :meth:`upgrade_sql` makes them.
        """
        return _run.stamp_sql(*self._offline(), target, start, tag)
