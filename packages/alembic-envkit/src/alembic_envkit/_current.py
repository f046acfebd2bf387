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
        # Ordered, so that every dialect lists several heads alike (MariaDB
        # returns them in key order, the others in insertion order).
        query = sa.select(version.c.version_num).order_by(version.c.version_num)
        rows = connection.execute(query)
        return tuple(t.cast(str, row[0]) for row in rows)


#: How the version table's comment starts while a revision runs on MariaDB
#: or MySQL, whose DDL is not transactional.
MARKER_PREFIX = "alembic_envkit: running "


def interrupted_revision(
    connection: sa.Connection, table: str, schema: str | None
) -> str | None:
    """What a run that stopped half way left unfinished, such as "upgrade of
    revision r3", from the version table's comment on MariaDB and MySQL;
    ``None`` elsewhere or when no revision was interrupted.

    :param connection: Connection to the database.
    :param table: Name of the version table.
    :param schema: Its schema, or ``None`` for the default.
    """
    if connection.dialect.name not in ("mysql", "mariadb"):
        return None

    with ending_read(connection):
        value = connection.execute(
            sa.text(
                "SELECT TABLE_COMMENT FROM information_schema.TABLES"
                " WHERE TABLE_SCHEMA = COALESCE(:schema, DATABASE())"
                " AND TABLE_NAME = :name"
            ),
            {"schema": schema, "name": table},
        ).scalar()

    comment = str(value or "")

    if not comment.startswith(MARKER_PREFIX):
        return None

    return comment[len(MARKER_PREFIX) :]
