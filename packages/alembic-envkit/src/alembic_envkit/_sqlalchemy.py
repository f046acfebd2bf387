"""SQLAlchemy's undocumented API that offline scripts use: a dialect set up
without a connection. Pinned by ``tests/test_alembic_private.py`` against
the versions of ``_alembic.CHECKED_AGAINST``.
"""

from __future__ import annotations

import typing as t

if t.TYPE_CHECKING:
    from sqlalchemy.engine import Dialect


def parse_mysql_server_version(dialect: Dialect, value: str) -> None:
    """Set up a MySQL or MariaDB dialect for the server version ``value``
    as its first connection would, with MariaDB's version-dependent settings
    (native UUID from 10.7). Private: SQLAlchemy's
    ``MySQLDialect._parse_server_version`` and ``_initialize_mariadb``; no
    public API does it without connecting. Checked against SQLAlchemy 2.0.0
    and 2.1.9.
    """
    mysql: t.Any = dialect
    mysql._parse_server_version(value)

    if mysql.is_mariadb and hasattr(mysql, "_initialize_mariadb"):
        mysql._initialize_mariadb(None)
