"""The migration lock: one runner at a time changes a database.

Each database has its own lock, held on a connection of its own from before
the current revision is read until the run ends. Nothing is written to the
user's schema. What takes the lock differs by dialect (see the dialect
modules); this module has what they share.
"""

from __future__ import annotations

import hashlib
import logging
import time
import typing as t

import sqlalchemy as sa

from ..._errors import LockError

logger = logging.getLogger("alembic_envkit")

#: Seconds between attempts while another runner holds a lock.
POLL_INTERVAL = 0.2


class Lock:
    """A held migration lock. Call :meth:`check` between revisions and
    :meth:`release` at the end.
    """

    def __init__(self, name: str) -> None:
        self.name = name

    def check(self) -> None:
        """Raise :exc:`.LockError` if the lock was lost."""

    def release(self) -> None:
        """Give the lock up."""


class ServerLock(Lock):
    """A lock held by a database session on its own connection."""

    def __init__(
        self, name: str, connection: sa.Connection, release_sql: str, key: t.Any
    ) -> None:
        super().__init__(name)
        self.connection = connection
        self.release_sql = release_sql
        self.key = key

    def check(self) -> None:
        try:
            self.connection.exec_driver_sql("SELECT 1")
            self.connection.rollback()
        except sa.exc.DBAPIError as e:
            raise LockError(
                f"Lost the migration lock of database {self.name!r} (its connection"
                " failed); stopped before the next revision. Run the command again."
            ) from e

    def release(self) -> None:
        try:
            self.connection.execute(sa.text(self.release_sql), {"key": self.key})
            self.connection.commit()
        except sa.exc.SQLAlchemyError:
            pass  # The session is gone, and its lock with it.
        finally:
            self.connection.close()


def lock_key(engine: sa.Engine, version_table: str, schema: str | None) -> str:
    """A stable name for the lock of one version table in one database."""
    url = engine.url
    parts = [
        url.get_backend_name(),
        url.host or "",
        str(url.port or ""),
        url.database or "",
    ]
    parts += [schema or "", version_table]
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()


def poll_server(
    name: str,
    engine: sa.Engine,
    timeout: float,
    key: t.Any,
    try_sql: str,
    release_sql: str,
    holder: t.Callable[[sa.Connection, t.Any], str],
) -> Lock:
    """Take a session lock that ``try_sql`` tries to take without waiting
    (bound to ``key``), trying again until ``timeout``; ``holder`` says who
    holds it, for the log and the error.

    :raises LockError: If the lock is not free in time.
    """
    connection = engine.connect()
    deadline = time.monotonic() + timeout
    said = False

    try:
        while True:
            taken = connection.execute(sa.text(try_sql), {"key": key}).scalar()
            connection.commit()

            if taken:
                return ServerLock(name, connection, release_sql, key)

            who = holder(connection, key)

            if time.monotonic() >= deadline:
                raise LockError(
                    f"Timed out after {timeout:g}s waiting for the migration lock of"
                    f" database {name!r}, held by {who}. Try again when it has"
                    " finished, or raise 'lock_timeout'."
                )

            if not said:
                logger.info(
                    "Waiting for the migration lock of database %r, held by %s",
                    name,
                    who,
                )
                said = True

            time.sleep(POLL_INTERVAL)
    except BaseException:
        connection.close()
        raise
