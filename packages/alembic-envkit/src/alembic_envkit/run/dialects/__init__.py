"""What the runners do differently by database dialect: the migration lock,
the interrupted-revision marker, how a connection is set up to migrate on,
two-phase commits, and the server version of an offline script. One module
per dialect, each subclassing :class:`DialectImpl`, which is also the
behaviour of a dialect none of them knows. A new dialect feature is a method
of :class:`DialectImpl` with its default, overridden in the modules of the
dialects that differ.
"""

from __future__ import annotations

import typing as t

from ._impl import DialectImpl
from ._impl import Marker
from ._locks import Lock
from ._locks import lock_key
from ._tenants import create_tenant_engine
from ._tenants import TenantLayout
from .mysql import MySQLImpl
from .postgresql import PostgreSQLImpl
from .sqlite import SQLiteImpl

if t.TYPE_CHECKING:
    import sqlalchemy as sa

#: The implementation of each SQLAlchemy dialect name.
_IMPLS: dict[str, DialectImpl] = {
    "mariadb": MySQLImpl(),
    "mysql": MySQLImpl(),
    "postgresql": PostgreSQLImpl(),
    "sqlite": SQLiteImpl(),
}

_DEFAULT = DialectImpl()


def impl_for(dialect_name: str) -> DialectImpl:
    """The implementation for a SQLAlchemy dialect name (``engine.dialect.name``);
    the default one for a dialect none of the modules knows.
    """
    return _IMPLS.get(dialect_name, _DEFAULT)


def marking_dialects() -> tuple[str, ...]:
    """The dialect names whose implementation marks a running revision."""
    return tuple(name for name, impl in _IMPLS.items() if impl.marks_revisions)


def acquire(
    name: str,
    engine: sa.Engine,
    version_table: str,
    schema: str | None,
    timeout: float,
    *,
    held_on: sa.Engine | None = None,
) -> Lock | None:
    """Take the migration lock of one database, waiting up to ``timeout``
    seconds for another runner to finish; ``None`` where its dialect has no
    lock.

    :param held_on: The engine whose session holds a server's lock, where
        not ``engine``'s: another engine on the same server, whose pool
        may have a connection open already. The lock is named after
        ``engine``'s database all the same.
    :raises LockError: If the lock is not free in time.
    """
    digest = lock_key(engine, version_table, schema)
    on = engine if held_on is None else held_on
    return impl_for(engine.dialect.name).lock(name, on, digest, timeout)


__all__ = [
    "DialectImpl",
    "Lock",
    "Marker",
    "MySQLImpl",
    "PostgreSQLImpl",
    "SQLiteImpl",
    "TenantLayout",
    "acquire",
    "create_tenant_engine",
    "impl_for",
    "lock_key",
    "marking_dialects",
]
