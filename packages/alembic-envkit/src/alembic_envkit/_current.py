"""Read a database's current revisions from its version table with plain
SQLAlchemy, without Alembic's migration context.
"""

from __future__ import annotations

import typing as t

import sqlalchemy as sa

from ._errors import DatabaseUnavailableError


def connect(name: str, engine: sa.Engine) -> sa.Connection:
    """Connect to a database, turning a refused connection into an error
    that names the database and its URL without the password.

    :param name: Name of the database, for the message.
    :param engine: Its engine.
    """
    try:
        return engine.connect()
    except sa.exc.DBAPIError as e:
        url = engine.url.render_as_string(hide_password=True)
        reason = str(e.orig).strip().splitlines()[0] if e.orig else str(e)
        raise DatabaseUnavailableError(
            f"Cannot connect to database {name!r} at {url}: {reason}."
            " Check that the server is running and the URL is right."
        ) from e


def version_rows(
    connection: sa.Connection, table: str, schema: str | None
) -> tuple[str, ...]:
    """The revision ids in a version table; none when it does not exist.
    The read's transaction is ended, so no lock is held afterwards.

    :param connection: Connection to the database.
    :param table: Name of the version table.
    :param schema: Its schema, or ``None`` for the default.
    """
    began = not connection.in_transaction()

    try:
        if not sa.inspect(connection).has_table(table, schema=schema):
            return ()

        version = sa.table(table, sa.column("version_num"), schema=schema)
        rows = connection.execute(sa.select(version.c.version_num))
        return tuple(t.cast(str, row[0]) for row in rows)
    finally:
        if began and connection.in_transaction():
            connection.rollback()
