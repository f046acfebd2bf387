"""Dump a database to the SQL that rebuilds it, schema and rows, in an empty
database: the text of a snapshot. Each dialect has a module of its own;
this one picks it and writes the statements out.
"""

from __future__ import annotations

import typing as t

from .._errors import ConfigurationError
from ._dump_mysql import dump_mysql
from ._dump_postgresql import dump_postgresql
from ._dump_sqlite import dump_sqlite

if t.TYPE_CHECKING:
    import collections.abc as cabc

    import sqlalchemy as sa


def dump(
    connection: sa.Connection,
    *,
    schema: str | None = None,
    skip_data: cabc.Collection[str] = (),
    pg_dump: str = "pg_dump",
) -> str:
    """The SQL that rebuilds the database of ``connection``, its schema and
    its rows, in an empty database. The same database dumped twice, or two
    databases built by the same migrations, give the same text, byte for
    byte: objects come in a stable order, rows in primary-key order, and
    nothing names the database or holds a timestamp.

    - SQLite: the tables, indexes and views as ``sqlite_master`` holds
      them, the rows, the ``AUTOINCREMENT`` counters, then the triggers.
    - PostgreSQL: the output of the ``pg_dump`` client, rows as INSERTs,
      without owners, privileges, comments and psql commands, its settings
      made local to the loading transaction. ``pg_dump`` connects on its
      own, so it sees what is committed.
    - MariaDB: ``SHOW CREATE`` statements for sequences, tables, stored
      routines and views, the rows, the sequences' values, then the
      triggers; without ``DEFINER`` clauses, ``AUTO_INCREMENT`` counters
      and the name of the database.

    Triggers come after the rows, so that loading the rows does not fire
    them.

    :param connection: A connection to the database to dump.
    :param schema: The schema (MariaDB: database; SQLite: attached database)
        to dump. By default the connection's; on PostgreSQL, every schema of
        the database.
    :param skip_data: Tables of ``schema`` whose rows are left out; their
        DDL stays.
    :param pg_dump: The ``pg_dump`` client to run on PostgreSQL: a name to
        find on ``PATH``, or a path.
    :return: The statements, each closed by a semicolon and a newline.
    :raises ConfigurationError: If the dialect has no dump, or on
        PostgreSQL, if ``pg_dump`` is missing, older than the server, or
        fails.
    """
    name = connection.dialect.name
    # One name on its own is a collection of letters, not of names.
    skip = frozenset([skip_data] if isinstance(skip_data, str) else skip_data)

    if name == "sqlite":
        found = dump_sqlite(connection, schema, skip)
    elif name == "postgresql":
        found = dump_postgresql(connection, schema, skip, pg_dump)
    elif name in ("mysql", "mariadb"):
        found = dump_mysql(connection, schema, skip)
    else:
        raise ConfigurationError(
            f"Cannot dump a {name} database: snapshots support SQLite, PostgreSQL"
            " and MariaDB. Replay the migrations on this database instead."
        )

    return "".join(f"{statement};\n" for statement in found)
