"""PostgreSQL: the migration lock is a session advisory lock, taken by
polling ``pg_try_advisory_lock`` (a waiter blocked inside the server would
deadlock with ``CREATE INDEX CONCURRENTLY`` in the holder). Its DDL is
transactional, so it needs no interrupted-revision marker, and a
transaction holding DDL can be prepared for a two-phase commit. Waits for
table locks are limited per transaction (``lock_timeout``, set local, so a
pooled connection keeps its own), and ``pg_locks`` names who holds them.
"""

from __future__ import annotations

import math
import typing as t

import sqlalchemy as sa

from ._impl import DialectImpl
from ._impl import quoted_line
from ._locks import poll_server
from ._tenants import SchemaLayout

if t.TYPE_CHECKING:
    from ._locks import Lock


class PostgreSQLImpl(DialectImpl):
    """PostgreSQL."""

    two_phase = True
    limits_lock_waits = True
    tenants = SchemaLayout()

    def lock(
        self, name: str, engine: sa.Engine, digest: str, timeout: float
    ) -> Lock | None:
        key = int.from_bytes(bytes.fromhex(digest[:16]), "big", signed=True)
        return poll_server(
            name,
            engine,
            timeout,
            key,
            "SELECT pg_try_advisory_lock(:key)",
            "SELECT pg_advisory_unlock(:key)",
            _holder,
        )

    def lock_wait(self, seconds: float) -> float:
        # Whole milliseconds, at least one.
        return max(1, math.ceil(seconds * 1000)) / 1000

    def limit_lock_waits_here(self, connection: sa.Connection, seconds: float) -> None:
        # Local to the transaction, and undone with the savepoint it is set
        # in: each attempt sets it again.
        milliseconds = round(self.lock_wait(seconds) * 1000)
        connection.execute(
            sa.text("SELECT set_config('lock_timeout', :value, true)"),
            {"value": f"{milliseconds}ms"},
        )

    def is_lock_timeout(self, error: BaseException) -> bool:
        # psycopg 3 and asyncpg (through SQLAlchemy) name the SQLSTATE
        # sqlstate; psycopg2 names it pgcode.
        orig = getattr(error, "orig", None) or error
        code = getattr(orig, "sqlstate", None) or getattr(orig, "pgcode", None)
        return code == LOCK_NOT_AVAILABLE

    def lock_holders(
        self, connection: sa.Connection, tables: t.Sequence[tuple[str | None, str]]
    ) -> list[str]:
        preparer = connection.dialect.identifier_preparer
        names = [
            ".".join(preparer.quote(part) for part in (schema, name) if part)
            for schema, name in tables
        ]
        rows = connection.execute(_HOLDERS, {"names": names}).all()
        return [_session(row) for row in rows]


#: The SQLSTATE of a statement that gave up waiting for a lock.
LOCK_NOT_AVAILABLE = "55P03"

#: The sessions other than this one holding granted locks on the tables.
_HOLDERS = sa.text(
    "SELECT DISTINCT a.pid, a.usename, a.application_name, a.client_addr,"
    " a.state, a.xact_start, a.query FROM pg_locks l"
    " JOIN pg_stat_activity a ON a.pid = l.pid"
    " WHERE l.locktype = 'relation' AND l.granted"
    " AND l.pid <> pg_backend_pid()"
    " AND l.relation IN (SELECT to_regclass(n) FROM unnest(CAST(:names AS text[])) n)"
    " ORDER BY a.pid"
)


def _session(row: sa.Row[t.Any]) -> str:
    """A session holding a lock, as ``pg_stat_activity`` shows it."""
    app = f" ({row.application_name})" if row.application_name else ""
    text = f"server process {row.pid}{app} of user {row.usename}"
    text += f" from {row.client_addr or 'a local socket'}"

    if row.state:
        text += f", {row.state}"

    if row.xact_start is not None:
        text += f" (transaction open since {row.xact_start:%Y-%m-%d %H:%M:%S %Z})"

    if query := quoted_line(row.query):
        text += f", last query {query}"

    return text.strip()


def _holder(connection: sa.Connection, key: int) -> str:
    """The server process holding the advisory lock ``key``, from
    ``pg_locks``, which lists a bigint key as two halves.
    """
    unsigned = key & 0xFFFFFFFFFFFFFFFF
    row = connection.execute(
        sa.text(
            "SELECT a.pid, a.application_name, a.client_addr FROM pg_locks l"
            " JOIN pg_stat_activity a ON a.pid = l.pid"
            " WHERE l.locktype = 'advisory' AND l.granted"
            " AND l.classid = :high AND l.objid = :low AND l.objsubid = 1"
        ),
        {"high": unsigned >> 32, "low": unsigned & 0xFFFFFFFF},
    ).first()
    connection.commit()

    if row is None:
        return "another session"

    app = f" ({row.application_name})" if row.application_name else ""
    return f"server process {row.pid}{app} from {row.client_addr or 'a local socket'}"
