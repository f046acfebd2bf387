"""The migration lock: one runner at a time changes a database.

Each database has its own lock, held on a connection of its own from before
the current revision is read until the run ends. Nothing is written to the
user's schema:

- PostgreSQL: a session advisory lock, taken by polling
  ``pg_try_advisory_lock`` (a waiter blocked inside the server would deadlock
  with ``CREATE INDEX CONCURRENTLY`` in the holder).
- MariaDB/MySQL: ``GET_LOCK`` with a hashed name.
- SQLite: ``flock`` on the database file, which works across processes and
  does not touch SQLite's own locks. In-memory databases need none.
"""

from __future__ import annotations

import hashlib
import logging
import os
import socket
import threading
import time
import typing as t

import sqlalchemy as sa

from .._errors import LockError

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


class _ServerLock(Lock):
    """A lock held by a session on its own connection."""

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


class _FileLock(Lock):
    def __init__(self, name: str, fd: int, thread_lock: threading.Lock) -> None:
        super().__init__(name)
        self.fd = fd
        self.thread_lock = thread_lock

    def release(self) -> None:
        import fcntl

        try:
            fcntl.flock(self.fd, fcntl.LOCK_UN)
        finally:
            self.thread_lock.release()


#: One descriptor per SQLite file, kept open: closing any descriptor of a
#: file drops the POSIX locks SQLite's own connections hold on it.
_files: dict[str, tuple[int, threading.Lock]] = {}
_files_lock = threading.Lock()


def _file(path: str) -> tuple[int, threading.Lock]:
    real = os.path.realpath(path)

    with _files_lock:
        if real not in _files:
            fd = os.open(real, os.O_RDWR | os.O_CREAT, 0o666)
            _files[real] = (fd, threading.Lock())

        return _files[real]


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


def acquire(
    name: str,
    engine: sa.Engine,
    version_table: str,
    schema: str | None,
    timeout: float,
) -> Lock | None:
    """Take the migration lock of one database, waiting up to ``timeout``
    seconds for another runner to finish.

    :raises LockError: If the lock is not free in time.
    """
    digest = lock_key(engine, version_table, schema)
    dialect = engine.dialect.name

    if dialect == "postgresql":
        key = int.from_bytes(bytes.fromhex(digest[:16]), "big", signed=True)
        return _poll_server(
            name,
            engine,
            timeout,
            key,
            "SELECT pg_try_advisory_lock(:key)",
            "SELECT pg_advisory_unlock(:key)",
            _postgresql_holder,
        )

    if dialect in ("mysql", "mariadb"):
        return _poll_server(
            name,
            engine,
            timeout,
            f"alembic_envkit_{digest[:40]}",
            "SELECT GET_LOCK(:key, 0)",
            "SELECT RELEASE_LOCK(:key)",
            _mysql_holder,
        )

    if dialect == "sqlite":
        return _sqlite_lock(name, engine, timeout)

    logger.warning("No migration lock for the %s database %r", dialect, name)
    return None


def _poll_server(
    name: str,
    engine: sa.Engine,
    timeout: float,
    key: t.Any,
    try_sql: str,
    release_sql: str,
    holder: t.Callable[[sa.Connection, t.Any], str],
) -> Lock:
    connection = engine.connect()
    deadline = time.monotonic() + timeout
    said = False

    try:
        while True:
            taken = connection.execute(sa.text(try_sql), {"key": key}).scalar()
            connection.commit()

            if taken:
                return _ServerLock(name, connection, release_sql, key)

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


def _postgresql_holder(connection: sa.Connection, key: int) -> str:
    unsigned = key & 0xFFFFFFFFFFFFFFFF
    row = connection.execute(
        sa.text(
            "SELECT a.pid, a.application_name, a.client_addr FROM pg_locks l"
            " JOIN pg_stat_activity a ON a.pid = l.pid"
            " WHERE l.locktype = 'advisory' AND l.granted"
            " AND l.classid = :high AND l.objid = :low AND l.objsubid = 1"
        ),
        {"high": unsigned >> 32, "low": unsigned & 0xFFFFFFFF},
    ).first()
    connection.commit()

    if row is None:
        return "another session"

    app = f" ({row.application_name})" if row.application_name else ""
    return f"server process {row.pid}{app} from {row.client_addr or 'a local socket'}"


def _mysql_holder(connection: sa.Connection, key: str) -> str:
    holder = connection.execute(
        sa.text("SELECT IS_USED_LOCK(:key)"), {"key": key}
    ).scalar()
    connection.commit()
    return f"connection {holder}" if holder is not None else "another session"


def _sqlite_lock(name: str, engine: sa.Engine, timeout: float) -> Lock | None:
    path = engine.url.database

    if not path or path == ":memory:" or path.startswith("file::memory:"):
        return None

    try:
        import fcntl
    except ImportError:  # pragma: no cover (Windows)
        logger.warning("No migration lock for SQLite on this platform")
        return None

    fd, thread_lock = _file(path)
    deadline = time.monotonic() + timeout
    said = False

    while True:
        # Threads of one process share the descriptor, so they take turns
        # on a thread lock as well.
        if thread_lock.acquire(blocking=False):
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return _FileLock(name, fd, thread_lock)
            except BlockingIOError:
                thread_lock.release()

        if time.monotonic() >= deadline:
            raise LockError(
                f"Timed out after {timeout:g}s waiting for the migration lock of"
                f" database {name!r} ({path}), held by {_file_holder(fd)}. Try"
                " again when it has finished, or raise 'lock_timeout'."
            )

        if not said:
            logger.info(
                "Waiting for the migration lock of database %r, held by %s",
                name,
                _file_holder(fd),
            )
            said = True

        time.sleep(POLL_INTERVAL)


def _file_holder(fd: int) -> str:
    """Who holds the lock on the file open as ``fd``. Linux lists every
    ``flock`` in ``/proc/locks`` with the id of the process that took it; a
    lock on a local file is always held on this host. Elsewhere, and for a
    lock taken on another host through a network file system, the holder
    cannot be known.
    """
    unknown = "another process (its id is not known on this system)"

    try:
        with open("/proc/locks", encoding="ascii") as f:
            lines = f.read().splitlines()
    except OSError:
        return unknown

    info = os.fstat(fd)
    where = f"{os.major(info.st_dev):02x}:{os.minor(info.st_dev):02x}:{info.st_ino}"

    for line in lines:
        # "1: FLOCK  ADVISORY  WRITE 4242 fe:00:2161070 0 EOF"; a waiter's
        # line has "->" after the number.
        parts = line.split()

        if len(parts) >= 6 and parts[1] == "FLOCK" and parts[5] == where:
            pid = parts[4]

            if pid == "0":  # Not visible from this process's PID namespace.
                return "a process in another container or PID namespace"

            if pid == str(os.getpid()):
                return f"this process ({pid} on {socket.gethostname()})"

            return f"process {pid} on {socket.gethostname()}"

    return unknown
