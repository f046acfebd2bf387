"""PostgreSQL: the migration lock is a session advisory lock, taken by
polling ``pg_try_advisory_lock`` (a waiter blocked inside the server would
deadlock with ``CREATE INDEX CONCURRENTLY`` in the holder). Its DDL is
transactional, so it needs no interrupted-revision marker, and a
transaction holding DDL can be prepared for a two-phase commit.
"""

from __future__ import annotations

import typing as t

import sqlalchemy as sa

from ._impl import DialectImpl
from ._locks import poll_server
from ._tenants import SchemaLayout

if t.TYPE_CHECKING:
    from ._locks import Lock


class PostgreSQLImpl(DialectImpl):
    """PostgreSQL."""

    two_phase = True
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
