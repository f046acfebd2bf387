"""Read a database's current revisions from its version table with plain
SQLAlchemy, without Alembic's migration context.
"""

from __future__ import annotations

import typing as t

import sqlalchemy as sa

from ._connections import ending_read


def version_rows(
    connection: sa.Connection, table: str, schema: str | None
) -> tuple[str, ...]:
    """The revision ids in a version table; none when it does not exist.
    The read's transaction is ended, so no lock is held afterwards.

    :param connection: Connection to the database.
    :param table: Name of the version table.
    :param schema: Its schema, or ``None`` for the default.
    """
    with ending_read(connection):
        if not sa.inspect(connection).has_table(table, schema=schema):
            return ()

        version = sa.table(table, sa.column("version_num"), schema=schema)
        rows = connection.execute(sa.select(version.c.version_num))
        return tuple(t.cast(str, row[0]) for row in rows)
