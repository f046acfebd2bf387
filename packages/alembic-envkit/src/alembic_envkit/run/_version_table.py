"""Read a database's current revisions from its version table, and what a
run that stopped half way left unfinished, with plain SQLAlchemy, without
Alembic's migration context.
"""

from __future__ import annotations

import typing as t

import sqlalchemy as sa

from ._connections import ending_read
from .dialects import impl_for


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
        # Ordered, so that every dialect lists several heads alike (MariaDB
        # returns them in key order, the others in insertion order).
        query = sa.select(version.c.version_num).order_by(version.c.version_num)
        rows = connection.execute(query)
        return tuple(t.cast(str, row[0]) for row in rows)


def interrupted_revision(
    connection: sa.Connection, table: str, schema: str | None
) -> str | None:
    """What a run that stopped half way left unfinished, such as "upgrade of
    revision r3", where the database's dialect marks a running revision;
    ``None`` elsewhere or when no revision was interrupted. The read's
    transaction is ended.

    :param connection: Connection to the database.
    :param table: Name of the version table.
    :param schema: Its schema, or ``None`` for the default.
    """
    impl = impl_for(connection.dialect.name)

    with ending_read(connection):
        return impl.interrupted_revision(connection, table, schema)
