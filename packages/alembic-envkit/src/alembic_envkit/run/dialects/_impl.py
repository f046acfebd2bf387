"""The interface of what the runners do differently by database dialect,
with the behaviour of a dialect that has none of it. Each module of this
package subclasses :class:`DialectImpl` for one dialect, as Alembic's
``ddl/`` modules subclass its ``DefaultImpl``.
"""

from __future__ import annotations

import logging
import typing as t

if t.TYPE_CHECKING:
    import sqlalchemy as sa
    from alembic.runtime.migration import MigrationContext
    from alembic.runtime.migration import MigrationStep

    from ._locks import Lock
    from ._tenants import TenantLayout

logger = logging.getLogger("alembic_envkit")


class Marker(t.Protocol):
    """A mark on a database while a revision runs on it, where DDL commits
    statement by statement, so that the next run finds a revision that
    stopped half way instead of going on from an unknown state.
    """

    def check(self, name: str, *, repair: bool) -> None:
        """Refuse to run on database ``name`` when a revision was left half
        way; with ``repair``, clear the mark instead.

        :raises RevisionError: If a revision was left half way.
        """

    def set(self, step: MigrationStep) -> None:
        """Mark the revision ``step`` is about to run."""

    def clear(self) -> None:
        """Remove the mark."""


class DialectImpl:
    """What differs by dialect, for a dialect with none of it: no migration
    lock (with a warning), no interrupted-revision marker, connections used
    as they come, no two-phase commit.
    """

    #: Whether a transaction holding DDL can be prepared for a two-phase
    #: commit.
    two_phase: t.ClassVar[bool] = False

    #: Whether :meth:`marker` marks a running revision, so that
    #: :meth:`interrupted_revision` may find one.
    marks_revisions: t.ClassVar[bool] = False

    #: Where each tenant lives (see ``docs/tenants.md``); ``None`` where the
    #: dialect has no tenants.
    tenants: t.ClassVar[TenantLayout | None] = None

    #: Whether statements can be made to give up waiting for a lock (see
    #: :meth:`limit_lock_waits`).
    limits_lock_waits: t.ClassVar[bool] = False

    def lock(
        self, name: str, engine: sa.Engine, digest: str, timeout: float
    ) -> Lock | None:
        """Take the migration lock of database ``name``, waiting up to
        ``timeout`` seconds for another runner to finish.

        :param digest: A stable hex digest naming the lock, from
            :func:`.lock_key`.
        :raises LockError: If the lock is not free in time.
        """
        logger.warning(
            "No migration lock for the %s database %r", engine.dialect.name, name
        )
        return None

    def forget_lock(self, engine: sa.Engine) -> None:
        """Let go of what :meth:`lock` keeps for the engine's database
        between locks, once no connection of the engine is open: called
        when the runners are done with a tenant, so that a run over
        thousands of tenants keeps nothing open for each.
        """

    def marker(self, context: MigrationContext) -> Marker | None:
        """The marker of a context whose DDL is not transactional, or
        ``None`` where the dialect has none.
        """
        return None

    def interrupted_revision(
        self, connection: sa.Connection, table: str, schema: str | None
    ) -> str | None:
        """What a run that stopped half way left unfinished, such as
        "upgrade of revision r3", as :meth:`marker` marked it; ``None`` when
        no revision was interrupted.
        """
        return None

    def set_server_version(
        self, dialect: sa.Dialect, version: str, numbers: tuple[int, ...]
    ) -> None:
        """Set up a dialect made from a URL, for an offline script, as its
        first connection to a server that reports ``version`` would.

        :param numbers: The numbers in ``version``.
        :raises sqlalchemy.exc.InvalidRequestError: If the dialect refuses
            the version.
        """
        dialect.server_version_info = numbers

    def prepare_connection(self, connection: sa.Connection) -> t.Callable[[], None]:
        """Set up a connection the runners migrate on, and return what puts
        it back as it was before it returns to the user's pool.
        """
        return _nothing

    def limit_lock_waits(
        self, connection: sa.Connection, seconds: float
    ) -> t.Callable[[], None]:
        """Make statements on ``connection`` give up waiting for a lock on a
        table after ``seconds``, for the whole run, and return what puts the
        connection's own limits back before it returns to the user's pool.
        Nothing here: SQLite locks the whole file, and how long it waits is
        the driver's busy timeout.
        """
        return _nothing

    def lock_wait(self, seconds: float) -> float:
        """The limit the database keeps for ``seconds``, which it may round."""
        return seconds

    def limit_lock_waits_here(self, connection: sa.Connection, seconds: float) -> None:
        """The same limit, for the transaction (or savepoint) open on
        ``connection``, where the dialect sets it per transaction; called as
        each attempt at a revision begins.
        """

    def is_lock_timeout(self, error: BaseException) -> bool:
        """Whether ``error`` (SQLAlchemy's, or the driver's it wraps) says a
        statement gave up waiting for a lock.
        """
        return False

    def retries_statements(self, connection: sa.Connection) -> bool:
        """Whether a statement that gave up waiting for a lock may simply run
        again: the database undid that statement alone, and not the
        transaction around it.
        """
        return False

    def lock_holders(
        self, connection: sa.Connection, tables: t.Sequence[tuple[str | None, str]]
    ) -> list[str]:
        """The other sessions holding locks on ``tables`` (``(schema,
        name)`` pairs), each described in a few words, as far as the database
        tells. May raise; the caller then names the tables alone.
        """
        return []


def quoted_line(query: str | None, limit: int = 80) -> str:
    """The first line of a session's query, shortened and quoted, or
    nothing.
    """
    lines = (query or "").strip().splitlines()

    if not lines:
        return ""

    line = lines[0].strip()

    if len(line) > limit:
        line = line[: limit - 3] + "..."

    return f'"{line}"'


def _nothing() -> None:
    pass
