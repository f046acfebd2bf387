"""The catalog of an SQLite database (``main`` or an attached one), read from
its PRAGMAs and, for what they do not tell, from the statements kept in
``sqlite_master``, in a normal form (see ``_catalog_sqlite_sql``).

Constraints without a name are named in the catalog by what they are:
``unnamed unique (email)``, ``unnamed check (price > 0)``. Column names in
constraints and indexes are in lower case, as SQLite compares them.

Left out: ``sqlite_`` tables, such as ``sqlite_sequence`` that holds the
``AUTOINCREMENT`` counters, and ``sqlite_stat1``.
"""

from __future__ import annotations

import typing as t

import sqlalchemy as sa

from .._errors import ConfigurationError
from ._catalog_objects import add
from ._catalog_objects import object_name
from ._catalog_sqlite_sql import generated as sql_generated
from ._catalog_sqlite_sql import index as sql_index
from ._catalog_sqlite_sql import normal as sql_normal
from ._catalog_sqlite_sql import render as sql_render
from ._catalog_sqlite_sql import table as sql_table

if t.TYPE_CHECKING:
    import collections.abc as cabc

    from ._catalog_objects import Objects
    from ._catalog_objects import Row

    _Rows: t.TypeAlias = cabc.Callable[[str, str], list[Row]]

_COLUMNS = """
SELECT cid, name, type, "notnull", dflt_value, pk, hidden
FROM pragma_table_xinfo(:name, :schema) ORDER BY cid
"""
_INDEXES = """
SELECT name, "unique", origin FROM pragma_index_list(:name, :schema)
ORDER BY name
"""
_INDEX_COLUMNS = """
SELECT seqno, cid, name, "desc", coll FROM pragma_index_xinfo(:name, :schema)
WHERE key ORDER BY seqno
"""
_FOREIGN_KEYS = """
SELECT id, "table", "from", "to", on_update, on_delete, match
FROM pragma_foreign_key_list(:name, :schema) ORDER BY id, seq
"""

#: What the ``hidden`` column of ``table_xinfo`` says of a generated column.
_GENERATED = {2: "VIRTUAL", 3: "STORED"}


def read(
    connection: sa.Connection, schema: str | None, exclude_tables: cabc.Set[str]
) -> Objects:
    """The objects of an SQLite database, ``main`` by default."""
    schema = "main" if schema is None else schema
    found = connection.execute(
        sa.text("SELECT 1 FROM pragma_database_list WHERE name = :schema"),
        {"schema": schema},
    ).first()

    if found is None:
        raise ConfigurationError(
            f"The SQLite connection has no database {schema!r} attached; pass"
            " catalog() 'main' or the name of an attached database."
        )

    def rows(query: str, name: str) -> list[Row]:
        parameters = {"name": name, "schema": schema}
        return [tuple(row) for row in connection.execute(sa.text(query), parameters)]

    # The compiler quotes the schema with the dialect's identifier preparer.
    master = sa.table(
        "sqlite_master",
        *map(sa.column, ("type", "name", "tbl_name", "sql")),
        schema=schema,
    )
    query = sa.select(*master.c).order_by(master.c.type, master.c.name)
    entries = [
        (kind, name, table, statement)
        for kind, name, table, statement in connection.execute(query)
        if not name.startswith("sqlite_") and table not in exclude_tables
    ]
    indexes = {name: s for kind, name, _, s in entries if kind == "index" and s}
    objects: Objects = {}

    for kind, name, table, statement in entries:
        if kind == "table":
            _read_table(objects, name, statement, rows)
            _read_indexes(objects, name, indexes, rows)
        elif kind == "view":
            attributes = {"definition": sql_normal(statement)}
            add(objects, object_name("view", name), attributes)
        elif kind == "trigger":
            parent = object_name("table", table)
            attributes = {"definition": sql_normal(statement)}
            add(objects, object_name("trigger", name, parent), attributes)

    return objects


def _read_table(objects: Objects, table: str, statement: str, rows: _Rows) -> None:
    """A table, its columns and its constraints."""
    parsed = sql_table(statement)
    parent = object_name("table", table)
    add(objects, parent, {"options": parsed.options or None})
    primary_key = []

    for cid, name, type_, not_null, default, pk, hidden in rows(_COLUMNS, table):
        definition = parsed.columns.get(name.lower(), [])
        words = [token.word() for token in definition]
        collate = words.index("collate") + 1 if "collate" in words else None
        attributes = {
            "position": cid + 1,
            "type": sql_normal(type_) or None,
            "nullable": not not_null,
            "default": None if default is None else sql_normal(default),
            "generated": sql_generated(definition) if hidden in _GENERATED else None,
            "storage": _GENERATED.get(hidden),
            "collation": None
            if collate is None
            else sql_render(definition[collate : collate + 1]),
            "autoincrement": "autoincrement" in words or None,
        }
        add(objects, object_name("column", name, parent), attributes)

        if pk:
            primary_key.append((pk, name.lower()))

    names = {(c.kind, c.columns): c.name for c in parsed.constraints}

    if primary_key:
        columns = tuple(name for _, name in sorted(primary_key))
        name = names.get(("primary key", columns))
        _add_constraint(objects, parent, name, "primary key", columns, {})

    for c in parsed.constraints:
        if c.kind == "unique":
            _add_constraint(objects, parent, c.name, "unique", c.columns, {})
        elif c.kind == "check":
            _add_constraint(objects, parent, c.name, "check", (c.text,), {})

    keys: dict[int, dict[str, t.Any]] = {}

    for id_, other, column, referred, *rules in rows(_FOREIGN_KEYS, table):
        on_update, on_delete, match = rules
        key = keys.setdefault(
            id_,
            {
                "columns": [],
                "references": other,
                "referred columns": [],
                "on update": on_update,
                "on delete": on_delete,
                "match": None if match == "NONE" else match,
            },
        )
        key["columns"].append(column.lower())
        # No referred column means the other table's primary key.
        key["referred columns"].append((referred or "").lower())

    for key in keys.values():
        columns = tuple(key.pop("columns"))
        key["referred columns"] = ", ".join(key["referred columns"]) or None
        # Each column constraint names its column; a table's, its columns.
        matches = [
            c.name
            for c in parsed.constraints
            if c.kind == "foreign key"
            and c.columns == columns
            and c.text.lower() == key["references"].lower()
        ]
        name = matches[0] if len(matches) == 1 else None
        _add_constraint(objects, parent, name, "foreign key", columns, key)


def _read_indexes(
    objects: Objects, table: str, statements: dict[str, str], rows: _Rows
) -> None:
    """The indexes made by ``CREATE INDEX``; the others hold up constraints."""
    parent = object_name("table", table)

    for name, unique, origin in rows(_INDEXES, table):
        if origin != "c":
            continue

        expressions, where = sql_index(statements.get(name, ""))
        columns = []

        for seqno, cid, column, desc, collation in rows(_INDEX_COLUMNS, name):
            # An expression (-2) is only in the statement.
            if cid == -2 and seqno < len(expressions):
                columns.append(expressions[seqno])
                continue

            text = "rowid" if cid == -1 else column.lower()

            if collation.upper() != "BINARY":
                text += f" collate {collation.lower()}"

            columns.append(f"{text} desc" if desc else text)

        attributes = {"unique": bool(unique), "columns": ", ".join(columns)}
        attributes["where"] = where
        add(objects, object_name("index", name, parent), attributes)


def _add_constraint(
    objects: Objects,
    parent: str,
    name: str | None,
    kind: str,
    columns: tuple[str, ...],
    attributes: dict[str, t.Any],
) -> None:
    """A constraint under its name, or under what it is when it has none."""
    listed = "(" + ", ".join(columns) + ")"

    if name is None:
        add(objects, f"{parent}: unnamed {kind} {listed}", attributes)
    else:
        attributes = {"type": kind.upper(), "definition": listed, **attributes}
        add(objects, object_name("constraint", name, parent), attributes)
