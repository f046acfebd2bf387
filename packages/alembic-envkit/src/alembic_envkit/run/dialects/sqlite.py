"""SQLite: the migration lock is ``flock`` on the database file, which works
across processes and does not touch SQLite's own locks; in-memory databases
need none. The connections the runners migrate on run DDL inside
transactions, which pysqlite otherwise commits around.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
import typing as t

import sqlalchemy as sa

from ..._errors import LockError
from ._impl import DialectImpl
from ._locks import Lock
from ._locks import POLL_INTERVAL
from ._tenants import FileLayout

logger = logging.getLogger("alembic_envkit")


class SQLiteImpl(DialectImpl):
    """SQLite."""

    tenants = FileLayout()

    def lock(
        self, name: str, engine: sa.Engine, digest: str, timeout: float
    ) -> Lock | None:
        path = engine.url.database

        if not path or path == ":memory:" or path.startswith("file::memory:"):
            return None

        try:
            import fcntl
        except ImportError:  # pragma: no cover (Windows)
            logger.warning("No migration lock for SQLite on this platform")
            return None

        held = _file(path)
        fd, thread_lock = held.fd, held.thread_lock
        deadline = time.monotonic() + timeout
        said = False

        try:
            while True:
                # Threads of one process share the descriptor, so they take
                # turns on a thread lock as well.
                if thread_lock.acquire(blocking=False):
                    try:
                        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                        return FileLock(name, held)
                    except BlockingIOError:
                        thread_lock.release()

                if time.monotonic() >= deadline:
                    raise LockError(
                        f"Timed out after {timeout:g}s waiting for the migration"
                        f" lock of database {name!r} ({path}), held by"
                        f" {_file_holder(fd)}. Try again when it has finished, or"
                        " raise 'lock_timeout'."
                    )

                if not said:
                    logger.info(
                        "Waiting for the migration lock of database %r, held by %s",
                        name,
                        _file_holder(fd),
                    )
                    said = True

                time.sleep(POLL_INTERVAL)
        except BaseException:
            _done_with(held)
            raise

    def forget_lock(self, engine: sa.Engine) -> None:
        if engine.url.database:
            _forget(engine.url.database)  # Nothing is kept for one not locked.

    def prepare_connection(self, connection: sa.Connection) -> t.Callable[[], None]:
        """Make pysqlite run DDL inside transactions on this connection only:
        the driver stops beginning and committing on its own, and each
        transaction starts with an explicit BEGIN. Returns a function that
        puts the connection back as it was before it returns to the user's
        pool.
        """
        # The DB-API connection: for aiosqlite, SQLAlchemy's adapter, whose
        # isolation_level setter runs in aiosqlite's thread.
        driver: t.Any = connection.connection.dbapi_connection

        if not hasattr(driver, "isolation_level"):
            return lambda: None

        previous = driver.isolation_level

        if connection.in_transaction():
            connection.commit()

        driver.isolation_level = None
        sa.event.listen(connection, "begin", _emit_begin)

        def restore() -> None:
            sa.event.remove(connection, "begin", _emit_begin)

            if connection.in_transaction():
                connection.rollback()

            if not connection.closed and not connection.invalidated:
                driver.isolation_level = previous

        return restore


def _emit_begin(connection: sa.Connection) -> None:
    connection.exec_driver_sql("BEGIN")


class FileLock(Lock):
    """A ``flock`` on a database file, and the thread lock beside it."""

    def __init__(self, name: str, held: _Held) -> None:
        super().__init__(name)
        self.held = held

    def release(self) -> None:
        import fcntl

        try:
            fcntl.flock(self.held.fd, fcntl.LOCK_UN)
        finally:
            self.held.thread_lock.release()
            _done_with(self.held)


class _Held:
    """The descriptor a SQLite file's migration lock is taken on, the
    thread lock beside it, and how many lockers are using them.
    """

    def __init__(self, fd: int) -> None:
        self.fd = fd
        self.thread_lock = threading.Lock()
        self.users = 0


#: One descriptor per SQLite file, kept open between locks: closing any
#: descriptor of a file drops the POSIX locks this process's SQLite
#: connections hold on it. :func:`_forget` closes one once nothing else in
#: the process has the file open.
_files: dict[str, _Held] = {}
_files_lock = threading.Lock()


def _file(path: str) -> _Held:
    real = os.path.realpath(path)

    with _files_lock:
        held = _files.get(real)

        if held is None:
            held = _files[real] = _Held(os.open(real, os.O_RDWR | os.O_CREAT, 0o666))

        held.users += 1
        return held


def _done_with(held: _Held) -> None:
    with _files_lock:
        held.users -= 1


def _forget(path: str) -> None:
    """Close the descriptor kept for ``path``'s lock, if no locker is using
    it and no other descriptor of this process is open on the file (so no
    SQLite connection of the process holds a lock on it to lose).
    """
    real = os.path.realpath(path)

    with _files_lock:
        held = _files.get(real)

        if held is None or held.users or _open_elsewhere(held.fd):
            return

        del _files[real]
        os.close(held.fd)


def _open_elsewhere(fd: int) -> bool:
    """Whether this process has a descriptor other than ``fd`` open on its
    file; ``True`` where the process's descriptors cannot be listed.
    """
    mine = os.fstat(fd)

    for folder in ("/proc/self/fd", "/dev/fd"):
        try:
            listed = os.listdir(folder)
        except OSError:
            continue

        for name in listed:
            other = int(name)

            if other == fd:
                continue

            try:
                found = os.fstat(other)
            except OSError:
                continue  # The listing's own descriptor, closed since.

            if (found.st_dev, found.st_ino) == (mine.st_dev, mine.st_ino):
                return True

        return False

    return True


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
