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
    dialect = connection.dialect
    preparer = dialect.identifier_preparer
    name = preparer.quote(table)

    if schema is not None:
        name = f"{preparer.quote_schema(schema)}.{name}"
    # Plain SQL: a tenant's schema would make a statement of its own in the
    # engine's cache of compiled statements. Ordered, so that every dialect
    # lists several heads alike (MariaDB returns them in key order, the
    # others in insertion order).
    query = f"SELECT version_num FROM {name} ORDER BY version_num"

    def select() -> tuple[str, ...]:
        rows = connection.exec_driver_sql(query)
        return tuple(t.cast(str, row[0]) for row in rows)

    def exists() -> bool:
        return dialect.has_table(connection, table, schema=schema)

    if connection.in_transaction():
        # A failed statement would end the caller's transaction on
        # PostgreSQL: look first.
        return select() if exists() else ()

    with ending_read(connection):
        # In a transaction of its own, the table is read straight away, and
        # looked for only if that fails: one statement where it exists.
        try:
            return select()
        except sa.exc.DBAPIError:
            connection.rollback()

            if exists():
                raise

            return ()


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
