"""Read a database's current revisions from its version table with plain
SQLAlchemy, without Alembic's migration context.
"""

from __future__ import annotations

import typing as t

import sqlalchemy as sa

from .._errors import revision_error
from ._connections import ending_read

if t.TYPE_CHECKING:
    from alembic.runtime.migration import MigrationContext
    from alembic.runtime.migration import MigrationStep


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


class Marker:
    """Where DDL commits statement by statement (MariaDB, MySQL), a revision
    that fails or is killed half way leaves part of it applied. The version
    table's comment says which revision is running, so the next run refuses
    to go on from an unknown state. Table comments are invisible to
    autogenerate and ``check``.
    """

    PREFIX = MARKER_PREFIX

    def __init__(self, context: MigrationContext) -> None:
        self.context = context
        preparer = context.impl.dialect.identifier_preparer
        table = preparer.quote(context.version_table)
        schema = context.version_table_schema
        self.table = f"{preparer.quote_schema(schema)}.{table}" if schema else table

    @classmethod
    def for_context(cls, context: MigrationContext) -> Marker | None:
        if context.as_sql or context.impl.transactional_ddl:
            return None

        if context.impl.dialect.name not in ("mysql", "mariadb"):
            return None

        return cls(context)

    def _comment(self) -> str:
        assert self.context.connection is not None
        value = self.context.connection.execute(
            sa.text(
                "SELECT TABLE_COMMENT FROM information_schema.TABLES"
                " WHERE TABLE_SCHEMA = COALESCE(:schema, DATABASE())"
                " AND TABLE_NAME = :name"
            ),
            {
                "schema": self.context.version_table_schema,
                "name": self.context.version_table,
            },
        ).scalar()
        return str(value or "")

    def _write(self, text: str) -> None:
        assert self.context.connection is not None
        literal = text.replace("'", "''")
        self.context.connection.exec_driver_sql(
            f"ALTER TABLE {self.table} COMMENT = '{literal}'"
        )

    def check(self, name: str, *, repair: bool) -> None:
        comment = self._comment()

        if not comment.startswith(self.PREFIX):
            return

        if repair:
            self.clear()
            return

        what = comment[len(self.PREFIX) :]
        raise revision_error(
            f"Database {name!r} was left in the middle of the {what}, which may"
            " be partly applied (MariaDB and MySQL commit each DDL statement)."
            " Finish or undo its changes by hand, then record where the"
            " database stands with 'stamp REVISION'; stamping clears this."
        )

    def set(self, step: MigrationStep) -> None:
        revision = getattr(step, "revision", None)

        if revision is None:
            return

        direction = "upgrade" if getattr(step, "is_upgrade", True) else "downgrade"
        self._write(f"{self.PREFIX}{direction} of revision {revision.revision}")

    def clear(self) -> None:
        self._write("")
