"""Dump a PostgreSQL database with the ``pg_dump`` client, then make its
output deterministic and loadable over a DB-API connection: no psql
commands, no comments, settings local to the loading transaction, and each
table's rows in primary-key order.
"""

from __future__ import annotations

import os
import re
import subprocess
import typing as t
from decimal import Decimal
from decimal import InvalidOperation

import sqlalchemy as sa

from .._errors import ConfigurationError
from ._statements import significant
from ._statements import statements
from ._statements import tokens
from ._statements import unquote

_VERSION = re.compile(r"\)\s*(\d+)(?:\.(\d+))?")
_NUMBER = re.compile(r"-?\d+(\.\d+)?([eE][-+]?\d+)?")

#: The default comment of the ``public`` schema, which its owner alone may
#: set.
_PUBLIC_COMMENT = "COMMENT ON SCHEMA public IS 'standard public schema'"

#: The primary-key columns of every table, by schema and name.
_KEYS = sa.text(
    """
    SELECT n.nspname, c.relname, a.attname
    FROM pg_catalog.pg_index AS i
    JOIN pg_catalog.pg_class AS c ON c.oid = i.indrelid
    JOIN pg_catalog.pg_namespace AS n ON n.oid = c.relnamespace
    CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, position)
    JOIN pg_catalog.pg_attribute AS a
        ON a.attrelid = c.oid AND a.attnum = k.attnum
    WHERE i.indisprimary
    ORDER BY n.nspname, c.relname, k.position
    """
)


def dump_postgresql(
    connection: sa.Connection,
    schema: str | None,
    skip_data: t.AbstractSet[str],
    pg_dump: str,
) -> list[str]:
    """The statements that rebuild the PostgreSQL database of
    ``connection`` (the schema ``schema`` alone when it is given), from
    ``pg_dump``.
    """
    url = connection.engine.url
    number = connection.exec_driver_sql("SHOW server_version_num").scalar()
    _check_version(pg_dump, int(str(number)) // 10000)
    home = schema or connection.exec_driver_sql("SELECT current_schema()").scalar()
    args = [pg_dump, "--no-owner", "--no-privileges", "--column-inserts"]

    if schema is not None:
        query = sa.text("SELECT 1 FROM pg_catalog.pg_namespace WHERE nspname = :s")

        if connection.execute(query, {"s": schema}).first() is None:
            raise ConfigurationError(
                f"Cannot dump PostgreSQL schema {schema!r}: database"
                f" {url.database!r} has no schema of that name. Pass an existing"
                " schema, or None for the whole database."
            )

        args.append(f"--schema={_pattern(schema)}")

    for table in sorted(skip_data):
        args.append(f"--exclude-table-data={_pattern(str(home))}.{_pattern(table)}")

    result = _run(args, url)

    if result.returncode != 0:
        reason = result.stderr.decode(errors="replace").strip().splitlines()
        raise ConfigurationError(
            f"{pg_dump} failed to dump PostgreSQL database {url.database!r}:"
            f" {reason[0] if reason else 'exit status ' + str(result.returncode)}."
            " Check that it reaches the server as the engine does."
        )

    return _clean(result.stdout.decode(), _keys(connection))


def _pattern(name: str) -> str:
    """A ``pg_dump`` pattern that matches ``name`` alone: in double quotes,
    its wildcards are plain characters.
    """
    return '"' + name.replace('"', '""') + '"'


def _environment(url: sa.URL) -> dict[str, str]:
    """The environment of ``pg_dump``: this process's, with the URL's parts
    in libpq's variables, so that the password is on no command line.
    """
    env = dict(os.environ, PGCLIENTENCODING="UTF8")
    host = url.query.get("host")
    parts = {
        "PGHOST": url.host or (host if isinstance(host, str) else None),
        "PGPORT": str(url.port) if url.port else None,
        "PGUSER": url.username,
        "PGPASSWORD": url.password,
        "PGDATABASE": url.database,
    }
    env.update({name: value for name, value in parts.items() if value})
    return env


def _run(args: list[str], url: sa.URL) -> subprocess.CompletedProcess[bytes]:
    try:
        return subprocess.run(args, env=_environment(url), capture_output=True)
    except OSError as e:
        raise _missing(args[0], e) from e


def _missing(pg_dump: str, e: OSError) -> ConfigurationError:
    return ConfigurationError(
        f"Cannot run pg_dump {pg_dump!r} to dump a PostgreSQL database:"
        f" {e.strerror or e}. Install the postgresql-client package of the"
        " server's version, or pass the path of its pg_dump."
    )


def _check_version(pg_dump: str, server: int) -> None:
    """Refuse a ``pg_dump`` older than the server, which would refuse the
    server itself.
    """
    try:
        result = subprocess.run([pg_dump, "--version"], capture_output=True)
    except OSError as e:
        raise _missing(pg_dump, e) from e

    found = _VERSION.search(result.stdout.decode(errors="replace"))

    if found is None:
        raise ConfigurationError(
            f"Cannot tell the version of pg_dump {pg_dump!r}: it printed"
            f" {result.stdout.decode(errors='replace').strip()!r} for --version."
            " Pass the path of PostgreSQL's pg_dump."
        )

    if int(found.group(1)) < server:
        raise ConfigurationError(
            f"pg_dump {pg_dump!r} is version {found.group(1)}, older than the"
            f" PostgreSQL {server} server it would dump. Install the"
            f" postgresql-client package of version {server} or later, or pass"
            " the path of its pg_dump."
        )


def _keys(connection: sa.Connection) -> dict[tuple[str, str], list[str]]:
    keys: dict[tuple[str, str], list[str]] = {}

    for schema, table, column in connection.execute(_KEYS):
        keys.setdefault((schema, table), []).append(column)

    return keys


def _clean(text: str, keys: t.Mapping[tuple[str, str], list[str]]) -> list[str]:
    """The statements of ``pg_dump``'s output, without psql commands,
    comments, the client encoding and the public schema's comment; settings
    local to the transaction; rows in key order.
    """
    found: list[str] = []
    rows: list[tuple[t.Any, str]] = []
    table: tuple[str, str] | None = None

    for statement in statements(_without_commands(text), "postgresql"):
        insert = _insert(statement, keys)

        if insert is None or insert[0] != table:
            found += [row for _, row in sorted(rows, key=lambda r: r[0])]
            rows, table = [], None

        if insert is not None:
            table = insert[0]
            rows.append((insert[1], statement))
        elif (local := _local(statement)) is not None:
            found.append(local)

    found += [row for _, row in sorted(rows, key=lambda r: r[0])]
    return found


def _without_commands(text: str) -> str:
    """``text`` without psql's meta-commands (``\\restrict KEY``): lines that
    start with a backslash outside any string.
    """
    kept: list[str] = []
    skipping = False

    for kind, part in tokens(text, "postgresql"):
        at_start = not kept or kept[-1].endswith("\n")

        if kind == "punct" and part == "\\" and at_start:
            skipping = True

        if skipping and kind == "space" and "\n" in part:
            skipping = False
            part = part[part.index("\n") :]

        if not skipping:
            kept.append(part)

    return "".join(kept)


def _local(statement: str) -> str | None:
    """A statement as it is loaded: settings made local to the transaction,
    the client encoding (the driver's business) and the public schema's
    comment dropped, schemas created unless they exist.
    """
    upper = statement.upper()

    if upper.startswith("SET CLIENT_ENCODING") or statement == _PUBLIC_COMMENT:
        return None

    if upper.startswith("SET ") and not upper.startswith("SET LOCAL "):
        return "SET LOCAL " + statement[4:]

    if upper.startswith("SELECT PG_CATALOG.SET_CONFIG(") and statement.endswith(
        ", false)"
    ):
        return statement[: -len("false)")] + "true)"

    if upper.startswith("CREATE SCHEMA ") and not upper.startswith(
        "CREATE SCHEMA IF NOT EXISTS "
    ):
        return "CREATE SCHEMA IF NOT EXISTS " + statement[len("CREATE SCHEMA ") :]

    return statement


def _insert(
    statement: str, keys: t.Mapping[tuple[str, str], list[str]]
) -> tuple[tuple[str, str], tuple[t.Any, ...]] | None:
    """For ``INSERT INTO schema.table (columns) VALUES (values)``, the table
    and the row's sort key: its primary key, or all its values where there
    is none. ``None`` for any other statement.
    """
    parts = significant(statement, "postgresql")

    if [text.upper() for _, text in parts[:2]] != ["INSERT", "INTO"]:
        return None

    try:
        # pg_dump names every table with its schema, and every column.
        schema, table = unquote(*parts[2]), unquote(*parts[4])
        values = parts.index(("word", "VALUES"))
    except (IndexError, ValueError):
        return None

    columns = [unquote(*part) for part in parts[6 : values - 1 : 2]]
    cells = _cells(parts[values + 2 : -1])
    key = keys.get((schema, table), [])
    order = [columns.index(c) for c in key] if set(key) <= set(columns) else []
    return (schema, table), tuple(
        _sort_key(cells[i]) for i in order or range(len(cells))
    )


def _cells(parts: list[tuple[str, str]]) -> list[str]:
    """The texts of the values between the parentheses of VALUES."""
    cells: list[str] = [""]
    depth = 0

    for kind, text in parts:
        if kind == "punct" and text == "," and depth == 0:
            cells.append("")
            continue

        if kind == "punct" and text in "([":
            depth += 1
        elif kind == "punct" and text in ")]":
            depth -= 1

        cells[-1] += text

    return cells


def _sort_key(cell: str) -> tuple[int, t.Any]:
    """Numbers in numeric order, then strings and other literals by text,
    then NULL, as PostgreSQL sorts in ascending order.
    """
    if cell == "NULL":
        return (2, "")

    if _NUMBER.fullmatch(cell):
        try:
            return (0, Decimal(cell))
        except InvalidOperation:  # pragma: no cover (the pattern is a number)
            pass

    if cell.startswith("'") and cell.endswith("'"):
        return (1, cell[1:-1].replace("''", "'"))

    return (1, cell)
