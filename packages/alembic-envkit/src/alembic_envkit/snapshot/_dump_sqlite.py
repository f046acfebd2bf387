"""Dump an SQLite database: the statements ``sqlite_master`` keeps, and the
rows rendered as literals. The standard library's ``iterdump`` covers the
same ground; this one is deterministic, names the columns it inserts, and
leaves out transaction control.
"""

from __future__ import annotations

import typing as t

import sqlalchemy as sa

from .._errors import ConfigurationError
from ._statements import working_order

#: Whether a name is SQLite's own (its tables, and the indexes behind
#: UNIQUE and PRIMARY KEY constraints).
_OWN = r"name NOT LIKE 'sqlite\_%' ESCAPE '\'"


def dump_sqlite(
    connection: sa.Connection, schema: str | None, skip_data: t.AbstractSet[str]
) -> list[str]:
    """The statements that rebuild the SQLite database ``schema`` (an
    attached database's name; ``main`` by default): tables, indexes and
    views, the rows of the tables not in ``skip_data``, the
    ``AUTOINCREMENT`` counters, then the triggers.
    """
    schema = schema or "main"
    attached = {row[1] for row in connection.exec_driver_sql("PRAGMA database_list")}

    if schema not in attached:
        raise ConfigurationError(
            f"Cannot dump SQLite schema {schema!r}: no database is attached under"
            f" that name (attached: {', '.join(sorted(attached))}). Pass one of"
            " those, or None for 'main'."
        )

    quote = connection.dialect.identifier_preparer.quote
    master = f"{quote(schema)}.sqlite_master"
    objects: dict[str, dict[str, str]] = {
        "table": {},
        "index": {},
        "view": {},
        "trigger": {},
    }
    query = f"SELECT type, name, sql FROM {master} WHERE sql IS NOT NULL AND {_OWN}"

    for kind, name, sql in connection.exec_driver_sql(query):
        if kind in objects:
            objects[kind][name] = sql

    views = objects["view"]
    found = [objects["table"][name] for name in sorted(objects["table"])]
    found += [objects["index"][name] for name in sorted(objects["index"])]
    found += [views[name] for name in working_order(views, "sqlite", fold=True)]

    if any(name not in skip_data for name in objects["table"]):
        # Rows may come before the rows they refer to; the check waits for
        # the end of the transaction.
        found.append("PRAGMA defer_foreign_keys = ON")

    for table in sorted(objects["table"]):
        if table not in skip_data:
            found += _rows(connection, schema, table)

    found += _counters(connection, schema, skip_data)
    found += [objects["trigger"][name] for name in sorted(objects["trigger"])]
    return found


def _rows(connection: sa.Connection, schema: str, table: str) -> list[str]:
    """INSERT statements for the rows of ``table``, in primary-key order (in
    the order of all the columns where there is none).
    """
    quote = connection.dialect.identifier_preparer.quote
    columns = connection.execute(
        sa.text("SELECT name, pk, hidden FROM pragma_table_xinfo(:table, :schema)"),
        {"table": table, "schema": schema},
    ).all()
    # Generated columns (hidden 2 and 3) are computed, not inserted.
    names = [name for name, _, hidden in columns if hidden == 0]
    key = [name for name, pk, _ in sorted(columns, key=lambda c: c[1]) if pk]
    listed = ", ".join(quote(name) for name in names)
    order = ", ".join(quote(name) for name in key or names)
    target = f"{quote(schema)}.{quote(table)}"
    select = f"SELECT {listed} FROM {target} ORDER BY {order}"
    head = f"INSERT INTO {quote(table)} ({listed}) VALUES"
    return [
        f"{head} ({', '.join(_literal(value) for value in row)})"
        for row in connection.exec_driver_sql(select)
    ]


def _counters(
    connection: sa.Connection, schema: str, skip_data: t.AbstractSet[str]
) -> list[str]:
    """The ``AUTOINCREMENT`` counters of the tables whose rows are dumped,
    as ``iterdump`` writes them.
    """
    quote = connection.dialect.identifier_preparer.quote
    master = f"{quote(schema)}.sqlite_master"
    exists = f"SELECT 1 FROM {master} WHERE name = 'sqlite_sequence'"

    if connection.exec_driver_sql(exists).first() is None:
        return []

    query = f"SELECT name, seq FROM {quote(schema)}.sqlite_sequence ORDER BY name"
    counters = [
        f"INSERT INTO sqlite_sequence (name, seq) VALUES ({_literal(name)}, {seq})"
        for name, seq in connection.exec_driver_sql(query)
        if name not in skip_data
    ]
    return ["DELETE FROM sqlite_sequence", *counters] if counters else []


def _literal(value: object) -> str:
    """An SQLite literal for a value as the driver returns it."""
    if value is None:
        return "NULL"

    if isinstance(value, bool):
        return str(int(value))

    if isinstance(value, int):
        return str(value)

    if isinstance(value, float):
        if value != value:
            return "NULL"

        if value in (float("inf"), float("-inf")):
            return "9e999" if value > 0 else "-9e999"

        return repr(value)

    if isinstance(value, bytes):
        return f"X'{value.hex().upper()}'"

    text = str(value)

    if "\x00" in text:
        # SQL text cannot hold a NUL character; its bytes can.
        return f"CAST(X'{text.encode().hex().upper()}' AS TEXT)"

    return "'" + text.replace("'", "''") + "'"
