"""The migration API of the current app's environment, under the names
Flask-Alembic 3.x gave it: every member delegates to
:attr:`.Alembic.environment`.
"""

from __future__ import annotations

import os
import typing as t

from alembic_envkit import Finding
from alembic_envkit import Rebased
from alembic_envkit import Revision
from alembic_envkit import RevisionArg
from alembic_envkit import Snapshots
from alembic_envkit import TargetArg
from alembic_envkit import Tenants

from ._api_objects import AlembicObjects

if t.TYPE_CHECKING:
    from alembic.script import Script

    from alembic_envkit import LintReport

_T = t.TypeVar("_T")
_P = t.ParamSpec("_P")


class MigrationAPI(AlembicObjects):
    """The migration methods of :class:`.Alembic`, each one delegating to
    the current app's :attr:`environment`, with the same parameters and
    return type as :class:`alembic_envkit.Environment`'s (a test holds them
    to it); Alembic's own objects are on :class:`.AlembicObjects`.
    """

    # The migration API

    def mkdir(self) -> None:
        """Create the migrations folder, its template, and the version
        folders, where they do not exist.
        """
        self.environment.mkdir()

    def current(self) -> tuple[Revision, ...]:
        """The current revisions of the ``"default"`` database."""
        return self.environment.current()

    def current_by_database(self) -> dict[str, tuple[Revision, ...]]:
        """The current revisions of each database, by name.

        .. versionadded:: 4.0
        """
        return self.environment.current_by_database()

    def needs_upgrade(self) -> bool:
        """Whether any database is not at all head revisions."""
        return self.environment.needs_upgrade()

    def heads(self, resolve_dependencies: bool = False) -> tuple[Revision, ...]:
        """The revisions that have no child revisions.

        :param resolve_dependencies: Treat dependencies as down revisions.
        """
        return self.environment.heads(resolve_dependencies)

    def branches(self) -> list[Revision]:
        """The revisions that have more than one next revision."""
        return self.environment.branches()

    def verify(self) -> list[Finding]:
        """Check the history from the files' headers, without a database:
        every problem, as a :class:`~alembic_envkit.Finding` with its files
        and its fix. See :meth:`alembic_envkit.Environment.verify`.
        """
        return self.environment.verify()

    def rebase(self, revisions: str | t.Sequence[str]) -> list[Rebased]:
        """Put revisions no database has applied on the current head of
        their branch. See :meth:`alembic_envkit.Environment.rebase`.
        """
        return self.environment.rebase(revisions)

    def lint(
        self, *, since: str | None = None, every: bool = False
    ) -> dict[str, LintReport]:
        """Lint revisions for each database's dialect, without running them.
        See :meth:`alembic_envkit.Environment.lint`.
        """
        return self.environment.lint(since=since, every=every)

    def rehash(self, revision: str, reason: str) -> list[str]:
        """Accept an edit to an applied revision in the ledger. See
        :meth:`alembic_envkit.Environment.rehash`.
        """
        return self.environment.rehash(revision, reason)

    def log(
        self, start: RevisionArg = "base", end: RevisionArg = "heads"
    ) -> list[Revision]:
        """The revisions between two revisions, newest first.

        :param start: Oldest revision to include.
        :param end: Newest revision to include.
        """
        return self.environment.log(start, end)

    def show(self, revisions: RevisionArg) -> tuple[Revision, ...]:
        """Look up revisions by id, prefix or symbol.

        .. versionadded:: 4.0
        """
        return self.environment.show(revisions)

    def stamp(self, target: RevisionArg = "heads", *, purge: bool = False) -> None:
        """Record revisions as current without running migrations.

        :param target: Revisions to record.
        :param purge: Empty the version table first.

        .. versionchanged:: 4.0
            Added ``purge``.
        """
        self.environment.stamp(target, purge=purge)

    def upgrade(
        self,
        target: TargetArg = "heads",
        *,
        snapshot: bool | None = None,
        phase: str | None = None,
    ) -> None:
        """Run migrations to upgrade every database.

        :param target: Revision to go up to, or a number of steps.
        :param snapshot: Whether an empty database first gets the newest
            snapshot, see :meth:`alembic_envkit.Environment.upgrade`.
        :param phase: ``"expand"`` holds back contract revisions and what
            comes after them, see ``docs/deploying.md``.

        .. versionchanged:: 4.0
            Added ``snapshot`` and ``phase``.
        """
        self.environment.upgrade(target, snapshot=snapshot, phase=phase)

    def create_at_head(self, *, create_database: bool = False) -> None:
        """Bring new, empty databases to the heads, from their newest
        snapshot where there is one; with ``create_database``, make them
        first. See :meth:`alembic_envkit.Environment.create_at_head`.
        """
        self.environment.create_at_head(create_database=create_database)

    @property
    def snapshots(self) -> Snapshots:
        """The snapshot commands of the current app's environment: write,
        check and find snapshot files. See :class:`alembic_envkit.Snapshots`.
        """
        return self.environment.snapshots

    @property
    def tenants(self) -> Tenants:
        """The tenant commands of the current app's environment: status,
        check, pending, verify, lint, upgrade, downgrade, stamp and create
        over the tenants the ``ALEMBIC["tenants"]`` setting lists. See
        :class:`alembic_envkit.Tenants`.

        .. versionadded:: 0.3
        """
        return self.environment.tenants

    def downgrade(self, target: TargetArg = -1) -> None:
        """Run migrations to downgrade every database.

        :param target: Revision to go down to, or a number of steps down.
        """
        self.environment.downgrade(target)

    def upgrade_sql(
        self,
        target: TargetArg = "heads",
        *,
        start: RevisionArg | None = None,
        tag: str | None = None,
        phase: str | None = None,
    ) -> dict[str, str]:
        """The SQL script of an upgrade for each database, made without
        connecting, see :meth:`.Environment.upgrade_sql`.

        .. versionadded:: 4.0
        """
        return self.environment.upgrade_sql(target, start=start, tag=tag, phase=phase)

    def downgrade_sql(
        self,
        target: TargetArg,
        *,
        start: RevisionArg | None = None,
        tag: str | None = None,
    ) -> dict[str, str]:
        """The SQL script of a downgrade for each database, made without
        connecting, see :meth:`.Environment.downgrade_sql`.

        .. versionadded:: 4.0
        """
        return self.environment.downgrade_sql(target, start=start, tag=tag)

    def stamp_sql(
        self,
        target: RevisionArg = "heads",
        *,
        start: RevisionArg | None = None,
        tag: str | None = None,
    ) -> dict[str, str]:
        """The SQL script of a stamp for each database, made without
        connecting, see :meth:`.Environment.stamp_sql`.

        .. versionadded:: 4.0
        """
        return self.environment.stamp_sql(target, start=start, tag=tag)

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
    ) -> list[Script | None]:
        """Create a revision, autogenerated from the models unless ``empty``.
        See :meth:`alembic_envkit.Environment.revision`.

        :param message: Description of the revision. ``None`` writes
            "empty message".
        :param empty: Do not autogenerate operations.
        :param branch: Independent branch to add to.
        :param parent: Parent revisions.
        :param splice: Allow a parent that is not a head.
        :param depend: Revisions this one depends on.
        :param label: Branch labels for this revision.
        :param path: Folder to write to; relative to ``app.root_path``.
        :param rev_id: Id of the new revision instead of one from
            :meth:`rev_id`.
        :param skip_empty: When autogenerate finds no changes, write nothing
            and return an empty list, as ``flask db revision`` does.
        :param phase: ``"expand"`` or ``"contract"``, written in the header.
        :return: The new revisions.

        .. versionchanged:: 4.0
            Added ``rev_id``, ``skip_empty`` and ``phase``. ``message`` may be
            ``None``.
        """
        return self.environment.revision(
            message,
            empty,
            branch,
            parent,
            splice,
            depend,
            label,
            path,
            rev_id=rev_id,
            skip_empty=skip_empty,
            phase=phase,
        )

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
        :param message: Description; defaults to naming the revisions.
        :param label: Branch labels for the revision.
        :param rev_id: Id of the new revision instead of one from
            :meth:`rev_id`.
        :param phase: ``"expand"`` or ``"contract"``, written in the header.

        .. versionchanged:: 4.0
            Added ``rev_id`` and ``phase``.
        """
        return self.environment.merge(
            revisions, message, label, rev_id=rev_id, phase=phase
        )
