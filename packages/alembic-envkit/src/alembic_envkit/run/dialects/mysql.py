"""MariaDB and MySQL: the migration lock is ``GET_LOCK`` with a hashed
name. Their DDL commits statement by statement, so a revision that fails or
is killed half way leaves part of it applied: the version table's comment
marks the revision that runs, and the next run refuses to go on from an
unknown state. Table comments are invisible to autogenerate and ``check``.
For an offline script, the server version tells MariaDB from MySQL.
"""

from __future__ import annotations

import typing as t

import sqlalchemy as sa

from ..._errors import revision_error
from ._impl import DialectImpl
from ._locks import poll_server
from ._tenants import DatabaseLayout

if t.TYPE_CHECKING:
    from alembic.runtime.migration import MigrationContext
    from alembic.runtime.migration import MigrationStep

    from ._locks import Lock

#: How the version table's comment starts while a revision runs.
MARKER_PREFIX = "alembic_envkit: running "


class MySQLImpl(DialectImpl):
    """MariaDB and MySQL."""

    marks_revisions = True
    tenants = DatabaseLayout()

    def lock(
        self, name: str, engine: sa.Engine, digest: str, timeout: float
    ) -> Lock | None:
        return poll_server(
            name,
            engine,
            timeout,
            f"alembic_envkit_{digest[:40]}",
            "SELECT GET_LOCK(:key, 0)",
            "SELECT RELEASE_LOCK(:key)",
            _holder,
        )

    def set_server_version(
        self, dialect: sa.Dialect, version: str, numbers: tuple[int, ...]
    ) -> None:
        # Tells MariaDB from MySQL, and sets what depends on MariaDB's
        # version. Imports Alembic, which only offline scripts need here.
        from ..._sqlalchemy import parse_mysql_server_version

        parse_mysql_server_version(dialect, version)

    def marker(self, context: MigrationContext) -> CommentMarker:
        return CommentMarker(context)

    def interrupted_revision(
        self, connection: sa.Connection, table: str, schema: str | None
    ) -> str | None:
        comment = _table_comment(connection, table, schema)

        if not comment.startswith(MARKER_PREFIX):
            return None

        return comment[len(MARKER_PREFIX) :]


def _holder(connection: sa.Connection, key: str) -> str:
    holder = connection.execute(
        sa.text("SELECT IS_USED_LOCK(:key)"), {"key": key}
    ).scalar()
    connection.commit()
    return f"connection {holder}" if holder is not None else "another session"


class CommentMarker:
    """The interrupted-revision marker: the version table's comment says
    which revision is running.
    """

    PREFIX = MARKER_PREFIX

    def __init__(self, context: MigrationContext) -> None:
        self.context = context
        preparer = context.dialect.identifier_preparer
        table = preparer.quote(context.version_table)
        schema = context.version_table_schema
        self.table = f"{preparer.quote_schema(schema)}.{table}" if schema else table

    def _comment(self) -> str:
        assert self.context.connection is not None
        return _table_comment(
            self.context.connection,
            self.context.version_table,
            self.context.version_table_schema,
        )

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


def _table_comment(connection: sa.Connection, table: str, schema: str | None) -> str:
    value = connection.execute(
        sa.text(
            "SELECT TABLE_COMMENT FROM information_schema.TABLES"
            " WHERE TABLE_SCHEMA = COALESCE(:schema, DATABASE())"
            " AND TABLE_NAME = :name"
        ),
        {"schema": schema, "name": table},
    ).scalar()
    return str(value or "")
