"""Load a dump into an empty database, statement by statement, in the
connection's transaction, leaving the session's settings as they were.
"""

from __future__ import annotations

import contextlib
import re
import typing as t

import sqlalchemy as sa

from ._statements import statements

#: The settings a dump's statements change, by dialect: ``PRAGMA name =``,
#: ``SET [LOCAL] name`` and ``set_config('name', ...)``, ``SET [SESSION]
#: name =``.
_SETTINGS = {
    "sqlite": re.compile(r"PRAGMA\s+(\w+)\s*=", re.I),
    "postgresql": re.compile(
        r"SET\s+(LOCAL\s+|SESSION\s+)?(\w+)"
        r"|SELECT\s+(?:pg_catalog\.)?set_config\('(\w+)',\s*'[^']*',\s*(\w+)\)",
        re.I,
    ),
    "mysql": re.compile(r"SET\s+(?:SESSION\s+|@@SESSION\.|@@)?(\w+)\s*=", re.I),
}

#: Executed as written: the driver must not look for parameters in ``%``.
_AS_WRITTEN: t.Any = {"no_parameters": True}


def load(connection: sa.Connection, sql: str) -> None:
    """Run the statements of a dump from :func:`.dump` on ``connection``, in
    its current transaction: the caller begins it and commits. On SQLite and
    PostgreSQL, whose DDL is transactional, a load that fails changes
    nothing once the caller rolls back; on MariaDB, each DDL statement
    commits. The settings that the dump changes (PostgreSQL's
    ``search_path`` and the others of ``pg_dump``, SQLite's
    ``defer_foreign_keys``, MariaDB's ``FOREIGN_KEY_CHECKS``, ``sql_mode``
    and ``time_zone``) are put back as they were before the load returns.
    On SQLite, a transaction that pysqlite has not begun yet is begun, so
    that the CREATE statements are part of it.

    Works on async engines too, through ``AsyncConnection.run_sync``.

    :param connection: A connection to the empty database to load into.
    :param sql: The dump.
    """
    load_statements(connection, statements(sql, connection.dialect.name))


def load_statements(connection: sa.Connection, found: list[str]) -> None:
    """:func:`load` of a dump already cut into its statements (see
    :func:`.statements`), such as a snapshot rewritten for a tenant.
    """
    name = connection.dialect.name
    family = "mysql" if name in ("mysql", "mariadb") else name

    if family == "sqlite":
        _begin_sqlite(connection)

    saved = _save(connection, family, found)

    try:
        for batch in _batches(connection, found):
            connection.exec_driver_sql(batch, execution_options=_AS_WRITTEN).close()
    except BaseException:
        # A PostgreSQL transaction that failed takes no more statements, and
        # its rollback undoes the settings; MariaDB's session keeps them.
        if family == "mysql":
            with contextlib.suppress(sa.exc.DBAPIError):
                _restore(connection, family, saved)

        raise

    _restore(connection, family, saved)


#: PostgreSQL drivers that send a query without parameters as it is, in
#: the simple protocol, which runs several statements in one round trip.
_SIMPLE_QUERY_DRIVERS = ("psycopg", "psycopg2")
#: The most text sent in one round trip.
_BATCH_CHARS = 1 << 20


def _batches(connection: sa.Connection, found: list[str]) -> t.Iterator[str]:
    """The statements, one by one, or on PostgreSQL with a driver that
    allows it, joined into batches: a dump of a few thousand statements
    then costs a few round trips instead of one each.
    """
    if connection.dialect.name != "postgresql" or (
        connection.dialect.driver not in _SIMPLE_QUERY_DRIVERS
    ):
        yield from found
        return

    batch: list[str] = []
    size = 0

    for statement in found:
        if batch and size + len(statement) > _BATCH_CHARS:
            yield ";\n".join(batch)
            batch, size = [], 0

        batch.append(statement)
        size += len(statement) + 2

    if batch:
        yield ";\n".join(batch)


def _begin_sqlite(connection: sa.Connection) -> None:
    """Make SQLite's transaction start now: pysqlite begins one only before
    the first INSERT, and would commit each CREATE on its own.
    """
    driver = connection.connection.driver_connection

    if not getattr(driver, "in_transaction", True):
        connection.exec_driver_sql("BEGIN")


def _save(
    connection: sa.Connection, family: str, found: list[str]
) -> dict[str, tuple[t.Any, bool]]:
    """The values, before the load, of the settings the statements change,
    each with whether a statement changes it for the session rather than
    the transaction.
    """
    pattern = _SETTINGS.get(family)
    saved: dict[str, tuple[t.Any, bool]] = {}

    for statement in found:
        match = pattern.match(statement) if pattern else None

        if match is None:
            continue

        name, session = _setting(family, match)
        key = name.lower()

        if key in saved:
            saved[key] = (saved[key][0], saved[key][1] or session)
        else:
            saved[key] = (_current(connection, family, name), session)

    return saved


def _setting(family: str, match: re.Match[str]) -> tuple[str, bool]:
    """The name of the setting a statement changes, and whether it changes
    it for the session (PostgreSQL's ``SET LOCAL`` and
    ``set_config(..., true)`` change it for the transaction).
    """
    if family != "postgresql":
        return match.group(1), True

    local, name, config, is_local = match.groups()

    if config:
        return config, is_local.lower() != "true"

    return name, (local or "").strip().upper() != "LOCAL"


def _current(connection: sa.Connection, family: str, name: str) -> t.Any:
    if family == "sqlite":
        return connection.exec_driver_sql(f"PRAGMA {name}").scalar()

    if family == "postgresql":
        query = sa.text("SELECT current_setting(:name, true)")
        return connection.execute(query, {"name": name}).scalar()

    return connection.exec_driver_sql(f"SELECT @@SESSION.{name}").scalar()


def _restore(
    connection: sa.Connection, family: str, saved: dict[str, tuple[t.Any, bool]]
) -> None:
    for name, (value, session) in saved.items():
        if family == "sqlite":
            if name == "defer_foreign_keys" and not _foreign_keys_hold(connection):
                # Left on, the commit fails on the broken references.
                continue

            text = value if isinstance(value, int) else f"'{value}'"
            connection.exec_driver_sql(f"PRAGMA {name} = {text}")
        elif family == "postgresql":
            if value is not None:
                query = sa.text("SELECT set_config(:name, :value, :local)")
                params = {"name": name, "value": value, "local": not session}
                connection.execute(query, params)
        else:
            query = sa.text(f"SET SESSION {name} = :value")
            connection.execute(query, {"value": value})


def _foreign_keys_hold(connection: sa.Connection) -> bool:
    """Whether SQLite enforces no foreign keys, or every row's references
    are there.
    """
    if not connection.exec_driver_sql("PRAGMA foreign_keys").scalar():
        return True

    return connection.exec_driver_sql("PRAGMA foreign_key_check").first() is None
