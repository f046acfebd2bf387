"""The catalog of a PostgreSQL schema, read from ``pg_catalog``. Definitions
come from the server's own functions (``format_type``, ``pg_get_expr``,
``pg_get_constraintdef``, ``pg_get_indexdef``, ``pg_get_viewdef``,
``pg_get_triggerdef``, ``pg_get_functiondef``), which render them the same
way whatever DDL built the object, with names relative to the schema.
Single-character codes (``relkind``, ``contype``...) are cast to text, which
asyncpg would return as bytes.
"""

from __future__ import annotations

import re
import typing as t

import sqlalchemy as sa

from .._errors import ConfigurationError
from ._catalog_objects import add
from ._catalog_objects import object_name

if t.TYPE_CHECKING:
    import collections.abc as cabc

    from ._catalog_objects import Objects
    from ._catalog_objects import Row


def _not_in_extension(catalog: str, oid: str) -> str:
    """A condition that leaves out what an extension created: ``CREATE
    EXTENSION`` brings it back.
    """
    return f"""NOT EXISTS (
    SELECT FROM pg_depend e WHERE e.classid = '{catalog}'::regclass
    AND e.objid = {oid} AND e.deptype = 'e')"""


_RELATIONS = f"""
SELECT c.relname, c.relkind::text, c.relpersistence = 'u',
    pg_get_partkeydef(c.oid),
    CASE WHEN c.relispartition THEN (
        SELECT p.relname FROM pg_inherits i JOIN pg_class p ON p.oid = i.inhparent
        WHERE i.inhrelid = c.oid) END,
    CASE WHEN c.relispartition THEN pg_get_expr(c.relpartbound, c.oid) END,
    array_to_string(c.reloptions, ', '), obj_description(c.oid, 'pg_class'),
    CASE WHEN c.relkind IN ('v', 'm') THEN pg_get_viewdef(c.oid, true) END
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = :schema AND c.relkind IN ('r', 'p', 'v', 'm')
    AND {_not_in_extension("pg_class", "c.oid")}
ORDER BY c.relname
"""

_COLUMNS = """
SELECT c.relname, a.attname,
    row_number() OVER (PARTITION BY c.oid ORDER BY a.attnum),
    format_type(a.atttypid, a.atttypmod), NOT a.attnotnull,
    pg_get_expr(d.adbin, d.adrelid), a.attidentity::text, a.attgenerated::text,
    CASE WHEN a.attcollation <> ty.typcollation THEN co.collname END,
    col_description(c.oid, a.attnum)
FROM pg_attribute a
JOIN pg_class c ON c.oid = a.attrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
JOIN pg_type ty ON ty.oid = a.atttypid
LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
LEFT JOIN pg_collation co ON co.oid = a.attcollation
WHERE n.nspname = :schema AND c.relkind IN ('r', 'p')
    AND a.attnum > 0 AND NOT a.attisdropped
ORDER BY c.relname, a.attnum
"""

_CONSTRAINTS = """
SELECT c.relname, k.conname, k.contype::text, pg_get_constraintdef(k.oid, true)
FROM pg_constraint k
JOIN pg_class c ON c.oid = k.conrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = :schema
ORDER BY c.relname, k.conname
"""

# Indexes that hold up a primary key, unique or exclusion constraint are the
# constraint's, and left to it.
_INDEXES = """
SELECT c.relname, i.relname, quote_ident(c.relname), x.indisunique,
    pg_get_indexdef(x.indexrelid, 0, true)
FROM pg_index x
JOIN pg_class i ON i.oid = x.indexrelid
JOIN pg_class c ON c.oid = x.indrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = :schema AND NOT EXISTS (
    SELECT FROM pg_constraint k WHERE k.conindid = x.indexrelid
    AND k.conrelid = x.indrelid AND k.contype IN ('p', 'u', 'x'))
ORDER BY c.relname, i.relname
"""

_TRIGGERS = """
SELECT c.relname, g.tgname, pg_get_triggerdef(g.oid, true), g.tgenabled::text
FROM pg_trigger g
JOIN pg_class c ON c.oid = g.tgrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = :schema AND NOT g.tgisinternal
ORDER BY c.relname, g.tgname
"""

# The owner of a sequence: the column of a serial ('a') or identity ('i').
_SEQUENCES = f"""
SELECT c.relname, format_type(s.seqtypid, NULL), s.seqstart, s.seqincrement,
    s.seqmin, s.seqmax, s.seqcache, s.seqcycle, o.relname, a.attname
FROM pg_sequence s
JOIN pg_class c ON c.oid = s.seqrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_depend d ON d.classid = 'pg_class'::regclass AND d.objid = c.oid
    AND d.refclassid = 'pg_class'::regclass AND d.deptype IN ('a', 'i')
LEFT JOIN pg_class o ON o.oid = d.refobjid
LEFT JOIN pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid
WHERE n.nspname = :schema
    AND {_not_in_extension("pg_class", "c.oid")}
ORDER BY c.relname
"""

# User types: enums, domains, ranges and stand-alone composite types (not the
# row type of each table).
_TYPES = f"""
SELECT t.typname, t.typtype::text,
    (SELECT string_agg(quote_literal(e.enumlabel), ', ' ORDER BY e.enumsortorder)
     FROM pg_enum e WHERE e.enumtypid = t.oid),
    CASE WHEN t.typtype = 'd' THEN format_type(t.typbasetype, t.typtypmod) END,
    CASE WHEN t.typtype = 'd' THEN t.typnotnull END,
    pg_get_expr(t.typdefaultbin, 0),
    (SELECT string_agg(quote_ident(a.attname) || ' '
        || format_type(a.atttypid, a.atttypmod), ', ' ORDER BY a.attnum)
     FROM pg_attribute a WHERE t.typtype = 'c' AND a.attrelid = t.typrelid
        AND a.attnum > 0 AND NOT a.attisdropped),
    (SELECT format_type(r.rngsubtype, NULL) FROM pg_range r
     WHERE r.rngtypid = t.oid)
FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
WHERE n.nspname = :schema AND t.typtype IN ('e', 'd', 'r', 'c')
    AND (t.typtype <> 'c' OR EXISTS (
        SELECT FROM pg_class r WHERE r.oid = t.typrelid AND r.relkind = 'c'))
    AND {_not_in_extension("pg_type", "t.oid")}
ORDER BY t.typname
"""

_DOMAIN_CONSTRAINTS = """
SELECT t.typname, k.conname, pg_get_constraintdef(k.oid, true)
FROM pg_constraint k
JOIN pg_type t ON t.oid = k.contypid
JOIN pg_namespace n ON n.oid = t.typnamespace
WHERE n.nspname = :schema
ORDER BY t.typname, k.conname
"""

# Functions and procedures; aggregates have no pg_get_functiondef. Left out
# are those made with another object (deptype 'i'), such as the
# constructors of a range type, which come back with it.
_FUNCTIONS = f"""
SELECT p.proname || '(' || pg_get_function_identity_arguments(p.oid) || ')',
    p.prokind::text, pg_get_functiondef(p.oid), quote_ident(n.nspname)
FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
WHERE n.nspname = :schema AND p.prokind IN ('f', 'p', 'w')
    AND {_not_in_extension("pg_proc", "p.oid")}
    AND NOT EXISTS (
        SELECT FROM pg_depend i WHERE i.classid = 'pg_proc'::regclass
        AND i.objid = p.oid AND i.deptype = 'i')
ORDER BY 1
"""

_EXTENSIONS = """
SELECT e.extname, e.extversion
FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
WHERE n.nspname = :schema
ORDER BY e.extname
"""

_RELATION_KINDS = {
    "r": "table",
    "p": "table",
    "v": "view",
    "m": "materialized view",
}
_CONSTRAINT_TYPES = {
    "p": "PRIMARY KEY",
    "u": "UNIQUE",
    "f": "FOREIGN KEY",
    "c": "CHECK",
    "x": "EXCLUDE",
    "t": "TRIGGER",
}
_TYPE_KINDS = {"e": "enum", "d": "domain", "r": "range", "c": "composite"}
_FUNCTION_KINDS = {"f": "function", "p": "procedure", "w": "function"}
_IDENTITY = {"a": "ALWAYS", "d": "BY DEFAULT"}
_TRIGGER_STATES = {"D": "DISABLED", "R": "REPLICA", "A": "ALWAYS"}


def read(
    connection: sa.Connection, schema: str | None, exclude_tables: cabc.Set[str]
) -> Objects:
    """The objects of a PostgreSQL schema, ``current_schema()`` by default.

    The session's ``search_path`` is the schema alone while the catalog is
    read, so that names in it render the same whatever the connection's
    setting, and is put back afterwards.
    """
    if schema is None:
        schema = connection.execute(sa.text("SELECT current_schema()")).scalar()

        if schema is None:
            raise ConfigurationError(
                "The connection has no current schema (its search_path names"
                " none that exists); pass catalog() a schema."
            )

    found = connection.execute(
        sa.text("SELECT 1 FROM pg_namespace WHERE nspname = :schema"),
        {"schema": schema},
    ).first()

    if found is None:
        raise ConfigurationError(
            f"The PostgreSQL schema {schema!r} does not exist; pass catalog()"
            " the name of an existing schema."
        )

    saved = connection.execute(sa.text("SELECT current_setting('search_path')"))
    search_path = saved.scalar_one()
    _set_search_path(connection, "quote_ident(:value)", schema)
    objects = _read(connection, schema, exclude_tables)
    # Only on success: after an error, the caller's rollback restores it.
    _set_search_path(connection, ":value", search_path)
    return objects


def _set_search_path(connection: sa.Connection, value: str, bound: str) -> None:
    query = f"SELECT set_config('search_path', {value}, false)"
    connection.execute(sa.text(query), {"value": bound})


def _read(
    connection: sa.Connection, schema: str, exclude_tables: cabc.Set[str]
) -> Objects:
    def rows(query: str) -> list[Row]:
        result = connection.execute(sa.text(query), {"schema": schema})
        return [tuple(row) for row in result]

    objects: Objects = {}
    #: The catalog name of each relation, by its name in the database.
    parents: dict[str, str] = {}

    for name, kind, unlogged, key, parent, bound, options, comment, view in rows(
        _RELATIONS
    ):
        if name in exclude_tables:
            continue

        parents[name] = object_name(_RELATION_KINDS[kind], name)
        attributes = {
            "unlogged": unlogged or None,
            "partitioned by": key,
            "partition of": parent,
            "partition bound": bound,
            "options": options or None,
            "comment": comment,
            "definition": view,
        }
        add(objects, parents[name], attributes)

    for table, name, *values in rows(_COLUMNS):
        if table not in parents:
            continue

        position, type_, nullable, default, identity, generated = values[:6]
        attributes = {
            "position": position,
            "type": type_,
            "nullable": nullable,
            "default": None if generated else default,
            "generated": default if generated else None,
            "identity": _IDENTITY.get(identity),
            "collation": values[6],
            "comment": values[7],
        }
        add(objects, object_name("column", name, parents[table]), attributes)

    for table, name, kind, definition in rows(_CONSTRAINTS):
        if table in parents:
            attributes = {"type": _CONSTRAINT_TYPES[kind], "definition": definition}
            add(objects, object_name("constraint", name, parents[table]), attributes)

    for table, name, quoted_table, unique, definition in rows(_INDEXES):
        if table in parents:
            attributes = {
                "unique": unique,
                "definition": _index(definition, quoted_table),
            }
            add(objects, object_name("index", name, parents[table]), attributes)

    for table, name, definition, enabled in rows(_TRIGGERS):
        if table in parents:
            attributes = {
                "definition": definition,
                "state": _TRIGGER_STATES.get(enabled),
            }
            add(objects, object_name("trigger", name, parents[table]), attributes)

    _read_sequences(rows(_SEQUENCES), objects, exclude_tables)
    _read_types(rows(_TYPES), rows(_DOMAIN_CONSTRAINTS), objects)

    for name, kind, definition, quoted_schema in rows(_FUNCTIONS):
        attributes = {"definition": _unqualified(definition, quoted_schema)}
        add(objects, object_name(_FUNCTION_KINDS[kind], name), attributes)

    for name, version in rows(_EXTENSIONS):
        add(objects, object_name("extension", name), {"version": version})

    return objects


def _index(definition: str, quoted_table: str) -> str:
    """An index's definition without the ``CREATE INDEX name ON table``
    before its method: ``USING btree (lower(name) DESC) WHERE ...``.
    """
    prefix = r"CREATE (?:UNIQUE )?INDEX .+? ON (?:ONLY )?" + re.escape(quoted_table)
    match = re.match(prefix + " (USING .*)", definition, re.DOTALL)
    return match.group(1) if match else definition


def _unqualified(definition: str, quoted_schema: str) -> str:
    """A function's definition without the schema that
    ``pg_get_functiondef`` names it with, whatever the ``search_path``: the
    same function in two schemas reads the same.
    """
    for kind in ("FUNCTION", "PROCEDURE"):
        prefix = f"CREATE OR REPLACE {kind} {quoted_schema}."

        if definition.startswith(prefix):
            return f"CREATE OR REPLACE {kind} " + definition[len(prefix) :]

    return definition


def _read_sequences(
    rows: cabc.Iterable[Row], objects: Objects, exclude_tables: cabc.Set[str]
) -> None:
    for name, type_, start, increment, low, high, cache, cycle, table, column in rows:
        if table in exclude_tables:
            continue

        attributes = {
            "type": type_,
            "start": start,
            "increment": increment,
            "minimum": low,
            "maximum": high,
            "cache": cache,
            "cycle": cycle,
            "owned by": f"{table}.{column}" if table else None,
        }
        add(objects, object_name("sequence", name), attributes)


def _read_types(
    types: cabc.Iterable[Row],
    constraints: cabc.Iterable[Row],
    objects: Objects,
) -> None:
    for name, kind, labels, base, not_null, default, fields, subtype in types:
        attributes = {
            "kind": _TYPE_KINDS[kind],
            "labels": labels,
            "base type": base,
            "nullable": None if not_null is None else not not_null,
            "default": default,
            "attributes": fields,
            "subtype": subtype,
        }
        add(objects, object_name("type", name), attributes)

    for type_name, name, definition in constraints:
        parent = object_name("type", type_name)

        if parent in objects:
            attributes = {"definition": definition}
            add(objects, object_name("constraint", name, parent), attributes)
