"""A faster load for SQLite: each snapshot is loaded once per process into
an in-memory database, the template, and copied from there into each empty
database with SQLite's backup API, page by page, which takes milliseconds
where running the statements again would take as long as the first time.
Test suites that make a fresh database for each test gain the most.
"""

from __future__ import annotations

import sqlite3
import threading
import typing as t

if t.TYPE_CHECKING:
    import sqlalchemy as sa

#: The templates made, by the snapshot file's (path, size, mtime) key.
_TEMPLATES: dict[tuple[t.Any, ...], sqlite3.Connection] = {}
_LOCK = threading.Lock()


def copy_template(
    connection: sa.Connection, key: tuple[t.Any, ...], body: t.Callable[[], str]
) -> bool:
    """Copy the template of the snapshot ``key`` (made from ``body()`` on
    first use) into the empty SQLite database of ``connection``; whether it
    could. It cannot when the driver is not the standard library's
    ``sqlite3``, the database is in a transaction, or SQLite refuses the
    copy; the caller then runs the statements.
    """
    if connection.dialect.driver != "pysqlite" or connection.in_transaction():
        return False

    target = connection.connection.driver_connection

    if not isinstance(target, sqlite3.Connection) or target.in_transaction:
        return False

    with _LOCK:
        template = _TEMPLATES.get(key)

        if template is None:
            template = sqlite3.connect(":memory:", check_same_thread=False)
            template.executescript(body())
            _TEMPLATES[key] = template

        try:
            template.backup(target)
        except sqlite3.Error:
            # Such as a WAL database of another page size: SQLite leaves it
            # as it was, and the statements run instead.
            return False

    return True
