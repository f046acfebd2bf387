"""MariaDB and MySQL: the migration lock is ``GET_LOCK`` with a hashed
name. Their DDL commits statement by statement, so a revision that fails or
is killed half way leaves part of it applied: the version table's comment
marks the revision that runs, and the next run refuses to go on from an
unknown state. Table comments are invisible to autogenerate and ``check``.
For an offline script, the server version tells MariaDB from MySQL. Waits
for locks are limited per session (``lock_wait_timeout`` for metadata locks,
``innodb_lock_wait_timeout`` for rows), put back after the run.
"""

from __future__ import annotations

import logging
import math
import typing as t

import sqlalchemy as sa

from ..._errors import revision_error
from ._impl import DialectImpl
from ._impl import quoted_line
from ._locks import poll_server
from ._tenants import DatabaseLayout

if t.TYPE_CHECKING:
    from alembic.runtime.migration import MigrationContext
    from alembic.runtime.migration import MigrationStep

    from ._locks import Lock

logger = logging.getLogger("alembic_envkit")

#: The error number of a statement that gave up waiting for a lock.
LOCK_WAIT_TIMEOUT = 1205

#: How the version table's comment starts while a revision runs.
MARKER_PREFIX = "alembic_envkit: running "


class MySQLImpl(DialectImpl):
    """MariaDB and MySQL."""

    marks_revisions = True
    limits_lock_waits = True
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

    def limit_lock_waits(
        self, connection: sa.Connection, seconds: float
    ) -> t.Callable[[], None]:
        before = connection.execute(
            sa.text(
                "SELECT @@SESSION.lock_wait_timeout, @@SESSION.innodb_lock_wait_timeout"
            )
        ).one()
        whole = int(self.lock_wait(seconds))
        _set_lock_waits(connection, whole, whole)

        def restore() -> None:
            if connection.closed or connection.invalidated:
                return

            try:
                _set_lock_waits(connection, int(before[0]), int(before[1]))
            except sa.exc.SQLAlchemyError:
                logger.exception("Putting back the session's lock wait limits failed")

        return restore

    def lock_wait(self, seconds: float) -> float:
        # Whole seconds, at least one.
        return float(max(1, math.ceil(seconds)))

    def is_lock_timeout(self, error: BaseException) -> bool:
        # pymysql, aiomysql and mysqlclient give the error number first.
        orig = getattr(error, "orig", None) or error
        args: tuple[t.Any, ...] = getattr(orig, "args", ())
        return bool(args) and args[0] == LOCK_WAIT_TIMEOUT

    def retries_statements(self, connection: sa.Connection) -> bool:
        # With innodb_rollback_on_timeout, a row lock timeout undoes the
        # whole transaction, not the one statement.
        value = connection.execute(sa.text("SELECT @@innodb_rollback_on_timeout"))
        return not int(value.scalar() or 0)

    def lock_holders(
        self, connection: sa.Connection, tables: t.Sequence[tuple[str | None, str]]
    ) -> list[str]:
        ids: list[int] = []

        for query in _METADATA_LOCKS:
            for schema, name in tables:
                try:
                    rows = connection.execute(query, {"schema": schema, "name": name})
                    ids.extend(int(row[0]) for row in rows if row[0] not in ids)
                except sa.exc.DBAPIError:
                    break  # Not on this server: the next way.

            if ids:
                return _sessions(connection, ids, "")

        # Which session holds a metadata lock is not told: name the sessions
        # with a transaction open, one of which holds it.
        rows = connection.execute(
            sa.text(
                "SELECT trx_mysql_thread_id FROM information_schema.INNODB_TRX"
                " WHERE trx_mysql_thread_id <> CONNECTION_ID()"
            )
        )
        ids = sorted({int(row[0]) for row in rows})
        return _sessions(
            connection, ids, ", one of the sessions with a transaction open"
        )


#: Who holds a metadata lock on a table, by the thread id the process list
#: shows: from MariaDB's metadata_lock_info plugin, or the performance schema.
_METADATA_LOCKS = [
    sa.text(
        "SELECT THREAD_ID FROM information_schema.METADATA_LOCK_INFO"
        " WHERE TABLE_SCHEMA = COALESCE(:schema, DATABASE())"
        " AND TABLE_NAME = :name AND THREAD_ID <> CONNECTION_ID()"
    ),
    sa.text(
        "SELECT t.PROCESSLIST_ID FROM performance_schema.metadata_locks m"
        " JOIN performance_schema.threads t ON t.THREAD_ID = m.OWNER_THREAD_ID"
        " WHERE m.OBJECT_TYPE = 'TABLE' AND m.LOCK_STATUS = 'GRANTED'"
        " AND m.OBJECT_SCHEMA = COALESCE(:schema, DATABASE())"
        " AND m.OBJECT_NAME = :name AND t.PROCESSLIST_ID <> CONNECTION_ID()"
    ),
]


def _set_lock_waits(connection: sa.Connection, metadata: int, rows: int) -> None:
    connection.exec_driver_sql(
        f"SET SESSION lock_wait_timeout = {int(metadata)},"
        f" innodb_lock_wait_timeout = {int(rows)}"
    )


def _sessions(connection: sa.Connection, ids: list[int], note: str) -> list[str]:
    """The sessions ``ids``, as the process list shows them."""
    if not ids:
        return []

    rows = connection.execute(
        sa.text(
            "SELECT p.ID, p.USER, p.HOST, p.COMMAND, p.TIME, p.INFO, x.trx_started"
            " FROM information_schema.PROCESSLIST p"
            " LEFT JOIN information_schema.INNODB_TRX x"
            " ON x.trx_mysql_thread_id = p.ID WHERE p.ID IN :ids ORDER BY p.ID"
        ).bindparams(sa.bindparam("ids", expanding=True)),
        {"ids": ids},
    )
    result = []

    for row in rows:
        text = f"connection {row.ID} of {row.USER}@{row.HOST}, {row.COMMAND}"
        text += f" for {row.TIME} s"

        if row.trx_started is not None:
            text += f" (transaction open since {row.trx_started:%Y-%m-%d %H:%M:%S})"

        if query := quoted_line(row.INFO):
            text += f", running {query}"

        result.append(text + note)

    return result


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
