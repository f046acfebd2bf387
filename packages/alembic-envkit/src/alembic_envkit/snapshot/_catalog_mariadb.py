"""The catalog of a MariaDB database, read from ``information_schema``.

Left out: ``AUTO_INCREMENT`` counters and table statistics, definers, the
creation times and SQL modes of triggers, and the database's own name,
which views spell out in each column they select and which is taken out of
their definitions.
"""

from __future__ import annotations

import typing as t

import sqlalchemy as sa

from .._errors import ConfigurationError
from ._catalog_objects import add
from ._catalog_objects import object_name
from ._catalog_objects import squeeze

if t.TYPE_CHECKING:
    import collections.abc as cabc

    from ._catalog_objects import Objects
    from ._catalog_objects import Row

_TABLES = """
SELECT TABLE_NAME, TABLE_TYPE, ENGINE, TABLE_COLLATION, CREATE_OPTIONS,
    TABLE_COMMENT
FROM information_schema.TABLES WHERE TABLE_SCHEMA = :schema
ORDER BY TABLE_NAME
"""

_COLUMNS = """
SELECT TABLE_NAME, COLUMN_NAME, ORDINAL_POSITION, COLUMN_TYPE, IS_NULLABLE,
    COLUMN_DEFAULT, EXTRA, GENERATION_EXPRESSION, COLLATION_NAME, COLUMN_COMMENT
FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = :schema
ORDER BY TABLE_NAME, ORDINAL_POSITION
"""

# Primary keys and unique constraints are unique indexes in MariaDB: they
# are read here, with the other indexes.
_INDEXES = """
SELECT TABLE_NAME, INDEX_NAME, NON_UNIQUE, COLUMN_NAME, SUB_PART, COLLATION,
    INDEX_TYPE, INDEX_COMMENT
FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = :schema
ORDER BY TABLE_NAME, INDEX_NAME, SEQ_IN_INDEX
"""

_FOREIGN_KEYS = """
SELECT r.TABLE_NAME, r.CONSTRAINT_NAME, k.COLUMN_NAME, k.REFERENCED_TABLE_SCHEMA,
    k.REFERENCED_TABLE_NAME, k.REFERENCED_COLUMN_NAME, r.UPDATE_RULE, r.DELETE_RULE
FROM information_schema.REFERENTIAL_CONSTRAINTS r
JOIN information_schema.KEY_COLUMN_USAGE k
    ON k.CONSTRAINT_SCHEMA = r.CONSTRAINT_SCHEMA AND k.TABLE_NAME = r.TABLE_NAME
    AND k.CONSTRAINT_NAME = r.CONSTRAINT_NAME
WHERE r.CONSTRAINT_SCHEMA = :schema
ORDER BY r.TABLE_NAME, r.CONSTRAINT_NAME, k.ORDINAL_POSITION
"""

_CHECKS = """
SELECT TABLE_NAME, CONSTRAINT_NAME, CHECK_CLAUSE
FROM information_schema.CHECK_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = :schema
ORDER BY TABLE_NAME, CONSTRAINT_NAME
"""

_VIEWS = """
SELECT TABLE_NAME, VIEW_DEFINITION, CHECK_OPTION, SECURITY_TYPE, ALGORITHM
FROM information_schema.VIEWS WHERE TABLE_SCHEMA = :schema
ORDER BY TABLE_NAME
"""

_TRIGGERS = """
SELECT EVENT_OBJECT_TABLE, TRIGGER_NAME, ACTION_TIMING, EVENT_MANIPULATION,
    ACTION_ORIENTATION, ACTION_ORDER, ACTION_STATEMENT
FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = :schema
ORDER BY EVENT_OBJECT_TABLE, TRIGGER_NAME
"""

_ROUTINES = """
SELECT ROUTINE_TYPE, ROUTINE_NAME, DTD_IDENTIFIER, ROUTINE_DEFINITION,
    IS_DETERMINISTIC, SQL_DATA_ACCESS, SECURITY_TYPE, ROUTINE_COMMENT
FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = :schema
ORDER BY ROUTINE_TYPE, ROUTINE_NAME
"""

_PARAMETERS = """
SELECT ROUTINE_TYPE, SPECIFIC_NAME, PARAMETER_MODE, PARAMETER_NAME, DTD_IDENTIFIER
FROM information_schema.PARAMETERS
WHERE SPECIFIC_SCHEMA = :schema AND ORDINAL_POSITION > 0
ORDER BY ROUTINE_TYPE, SPECIFIC_NAME, ORDINAL_POSITION
"""

#: The columns of a sequence that define it; its next value is left out.
_SEQUENCE_COLUMNS = (
    "start_value",
    "increment",
    "minimum_value",
    "maximum_value",
    "cache_size",
    "cycle_option",
)

_TABLE_TYPES = {"BASE TABLE": None, "SYSTEM VERSIONED": "system versioned"}


def read(
    connection: sa.Connection, schema: str | None, exclude_tables: cabc.Set[str]
) -> Objects:
    """The objects of a MariaDB database, the connection's (``DATABASE()``)
    by default.
    """
    if not getattr(connection.dialect, "is_mariadb", False):
        raise ConfigurationError(
            "catalog() reads MariaDB servers, not MySQL: connect to a MariaDB server."
        )

    if schema is None:
        schema = connection.execute(sa.text("SELECT DATABASE()")).scalar()

        if schema is None:
            raise ConfigurationError(
                "The MariaDB connection has no database selected: name one in"
                " the URL, or pass catalog() a schema."
            )

    found = connection.execute(
        sa.text(
            "SELECT 1 FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = :schema"
        ),
        {"schema": schema},
    ).first()

    if found is None:
        raise ConfigurationError(
            f"The MariaDB database {schema!r} does not exist; pass catalog() the"
            " name of an existing database."
        )

    def rows(query: str) -> list[Row]:
        result = connection.execute(sa.text(query), {"schema": schema})
        return [tuple(row) for row in result]

    objects: Objects = {}
    #: The catalog name of each table, by its name in the database.
    parents: dict[str, str] = {}
    sequences = []

    for name, kind, engine, collation, options, comment in rows(_TABLES):
        if kind == "SEQUENCE":
            sequences.append(name)
        elif kind in _TABLE_TYPES and name not in exclude_tables:
            parents[name] = object_name("table", name)
            attributes = {
                "type": _TABLE_TYPES[kind],
                "engine": engine,
                "collation": collation,
                "options": options or None,
                "comment": comment or None,
            }
            add(objects, parents[name], attributes)

    for table, name, position, type_, nullable, default, *values in rows(_COLUMNS):
        if table in parents:
            extra, generated, collation, comment = values
            attributes = {
                "position": position,
                "type": type_,
                "nullable": nullable,
                # A column without a default says NULL, as one whose default
                # is NULL does; a string 'NULL' keeps its quotes.
                "default": None if default == "NULL" else default,
                "extra": extra or None,
                "generated": generated,
                "collation": collation,
                "comment": comment or None,
            }
            add(objects, object_name("column", name, parents[table]), attributes)

    _read_indexes(rows(_INDEXES), objects, parents)
    _read_foreign_keys(rows(_FOREIGN_KEYS), objects, parents, schema)

    for table, name, clause in rows(_CHECKS):
        if table in parents:
            attributes = {"type": "CHECK", "definition": clause}
            add(objects, object_name("constraint", name, parents[table]), attributes)

    # Views name each table they read as `database`.`table`: the database's
    # name, which differs between two copies of a schema, is taken out.
    qualifier = "`" + schema.replace("`", "``") + "`."

    for name, definition, check, security, algorithm in rows(_VIEWS):
        attributes = {
            "definition": (definition or "").replace(qualifier, ""),
            "check option": None if check == "NONE" else check,
            "security": security,
            "algorithm": algorithm,
        }
        add(objects, object_name("view", name), attributes)

    for table, name, timing, event, orientation, order, statement in rows(_TRIGGERS):
        if table in parents:
            attributes = {
                "timing": timing,
                "event": event,
                "for each": orientation,
                "order": order,
                "statement": squeeze(statement),
            }
            add(objects, object_name("trigger", name, parents[table]), attributes)

    _read_routines(rows(_ROUTINES), rows(_PARAMETERS), objects)

    for name in sequences:
        # The compiler quotes the names with the dialect's identifier preparer.
        sequence = sa.table(name, *map(sa.column, _SEQUENCE_COLUMNS), schema=schema)
        query = sa.select(*sequence.c)
        start, increment, low, high, cache, cycle = connection.execute(query).one()
        attributes = {
            "start": start,
            "increment": increment,
            "minimum": low,
            "maximum": high,
            "cache": cache,
            "cycle": bool(cycle),
        }
        add(objects, object_name("sequence", name), attributes)

    return objects


def _read_indexes(
    rows: cabc.Iterable[Row], objects: Objects, parents: dict[str, str]
) -> None:
    """Indexes, primary keys and unique constraints: one row per column."""
    indexes: dict[tuple[str, str], dict[str, t.Any]] = {}

    for table, name, non_unique, column, part, order, using, comment in rows:
        if table not in parents:
            continue

        if (table, name) not in indexes:
            if name == "PRIMARY":
                kind = "PRIMARY KEY"
            elif not non_unique:
                kind = "UNIQUE"
            else:
                kind = None

            indexes[table, name] = {
                "type": kind,
                "columns": [],
                "using": using,
                "comment": comment or None,
            }

        part = f"({part})" if part is not None else ""
        order = " DESC" if order == "D" else ""
        indexes[table, name]["columns"].append(f"{column}{part}{order}")

    for (table, name), attributes in indexes.items():
        attributes["columns"] = ", ".join(attributes["columns"])
        kind = "index" if attributes["type"] is None else "constraint"
        add(objects, object_name(kind, name, parents[table]), attributes)


def _read_foreign_keys(
    rows: cabc.Iterable[Row],
    objects: Objects,
    parents: dict[str, str],
    schema: str,
) -> None:
    """Foreign keys: one row per column."""
    keys: dict[tuple[str, str], dict[str, t.Any]] = {}

    for table, name, column, other_schema, other, referred, *rules in rows:
        if table not in parents:
            continue

        if (table, name) not in keys:
            if other_schema != schema:
                other = f"{other_schema}.{other}"

            keys[table, name] = {
                "type": "FOREIGN KEY",
                "columns": [],
                "references": other,
                "referred columns": [],
                "on update": rules[0],
                "on delete": rules[1],
            }

        keys[table, name]["columns"].append(column)
        keys[table, name]["referred columns"].append(referred)

    for (table, name), attributes in keys.items():
        attributes["columns"] = ", ".join(attributes["columns"])
        attributes["referred columns"] = ", ".join(attributes["referred columns"])
        add(objects, object_name("constraint", name, parents[table]), attributes)


def _read_routines(
    routines: cabc.Iterable[Row],
    parameters: cabc.Iterable[Row],
    objects: Objects,
) -> None:
    """Stored functions and procedures, with their parameters in order."""
    signatures: dict[tuple[str, str], list[str]] = {}

    for kind, routine, mode, name, type_ in parameters:
        words = [mode, name, type_] if kind == "PROCEDURE" else [name, type_]
        signatures.setdefault((kind, routine), []).append(" ".join(words))

    for kind, name, returns, definition, *values in routines:
        deterministic, access, security, comment = values
        attributes = {
            "parameters": ", ".join(signatures.get((kind, name), [])),
            "returns": returns if kind == "FUNCTION" else None,
            "definition": definition,
            "deterministic": deterministic,
            "data access": access,
            "security": security,
            "comment": comment or None,
        }
        add(objects, object_name(kind.lower(), name), attributes)
