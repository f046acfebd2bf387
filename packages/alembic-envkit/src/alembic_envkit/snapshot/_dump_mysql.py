"""Dump a MariaDB database over the connection, with no client program: the
``SHOW CREATE`` statements of its sequences, tables, stored routines, views
and triggers, without ``DEFINER`` clauses, ``AUTO_INCREMENT`` counters or
the database's name, and its rows rendered as literals.
"""

from __future__ import annotations

import datetime
import typing as t
from decimal import Decimal

import sqlalchemy as sa

from .._errors import ConfigurationError
from ._statements import tokens
from ._statements import working_order

#: The objects of a schema, with their kind.
_OBJECTS = sa.text(
    "SELECT TABLE_NAME, TABLE_TYPE FROM information_schema.TABLES"
    " WHERE TABLE_SCHEMA = :schema"
)
_ROUTINES = sa.text(
    "SELECT ROUTINE_TYPE, ROUTINE_NAME FROM information_schema.ROUTINES"
    " WHERE ROUTINE_SCHEMA = :schema ORDER BY ROUTINE_TYPE, ROUTINE_NAME"
)
#: The triggers in the order that gives each the same place among the
#: triggers of its table and event when they are created again.
_TRIGGERS = sa.text(
    "SELECT TRIGGER_NAME FROM information_schema.TRIGGERS"
    " WHERE TRIGGER_SCHEMA = :schema ORDER BY BINARY EVENT_OBJECT_TABLE,"
    " ACTION_TIMING, EVENT_MANIPULATION, ACTION_ORDER"
)
#: The columns a row is inserted with (generated ones are computed), and
#: the primary key's.
_COLUMNS = sa.text(
    "SELECT COLUMN_NAME FROM information_schema.COLUMNS"
    " WHERE TABLE_SCHEMA = :schema AND TABLE_NAME = :table"
    " AND IS_GENERATED = 'NEVER' ORDER BY ORDINAL_POSITION"
)
_KEY = sa.text(
    "SELECT COLUMN_NAME FROM information_schema.STATISTICS"
    " WHERE TABLE_SCHEMA = :schema AND TABLE_NAME = :table"
    " AND INDEX_NAME = 'PRIMARY' ORDER BY SEQ_IN_INDEX"
)


def dump_mysql(
    connection: sa.Connection, schema: str | None, skip_data: t.AbstractSet[str]
) -> list[str]:
    """The statements that rebuild the MariaDB database ``schema`` (the
    connection's by default): sequences, tables, stored routines, views,
    the rows of the tables not in ``skip_data``, the sequences' values, then
    the triggers, between ``SET FOREIGN_KEY_CHECKS=0`` and ``=1``.
    """
    schema = schema or connection.exec_driver_sql("SELECT DATABASE()").scalar()

    if not schema:
        raise ConfigurationError(
            "Cannot dump the MariaDB connection's database: it has none. Name"
            " one in the engine's URL, or pass schema."
        )

    query = "SELECT 1 FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = :schema"

    if connection.execute(sa.text(query), {"schema": schema}).first() is None:
        raise ConfigurationError(
            f"Cannot dump MariaDB database {schema!r}: the server has no"
            " database of that name. Pass an existing one, or None for the"
            " connection's."
        )

    dumper = _Dumper(connection, str(schema))
    kinds: dict[str, list[str]] = {}

    for name, kind in connection.execute(_OBJECTS, {"schema": schema}):
        kinds.setdefault(kind, []).append(name)

    tables = sorted(kinds.get("BASE TABLE", []) + kinds.get("SYSTEM VERSIONED", []))
    sequences = sorted(kinds.get("SEQUENCE", []))
    views = {name: dumper.show("VIEW", name, 1) for name in kinds.get("VIEW", [])}

    found = ["SET FOREIGN_KEY_CHECKS=0"]
    found += [dumper.show("SEQUENCE", name, 1) for name in sequences]
    found += [dumper.show("TABLE", name, 1) for name in tables]

    for kind, name in connection.execute(_ROUTINES, {"schema": schema}):
        found += dumper.with_mode(kind, name)

    found += [views[name] for name in working_order(views, "mariadb")]
    found += dumper.rows([name for name in tables if name not in skip_data])
    found += [dumper.sequence_value(name) for name in sequences]

    for (name,) in connection.execute(_TRIGGERS, {"schema": schema}):
        found += dumper.with_mode("TRIGGER", name)

    found.append("SET FOREIGN_KEY_CHECKS=1")
    return found


class _Dumper:
    """Reads one schema's objects and rows."""

    def __init__(self, connection: sa.Connection, schema: str) -> None:
        self.connection = connection
        self.schema = schema
        self.quote = connection.dialect.identifier_preparer.quote

    def _name(self, name: str) -> str:
        return f"{self.quote(self.schema)}.{self.quote(name)}"

    def _show(self, kind: str, name: str) -> tuple[t.Any, ...]:
        query = f"SHOW CREATE {kind} {self._name(name)}"
        return tuple(self.connection.exec_driver_sql(query).one())

    def show(self, kind: str, name: str, column: int) -> str:
        """The normalised ``SHOW CREATE`` statement of an object."""
        return _normalise(str(self._show(kind, name)[column]), self.schema)

    def with_mode(self, kind: str, name: str) -> list[str]:
        """A routine's or trigger's ``SHOW CREATE`` statement, after the
        ``sql_mode`` it was created with, which it keeps.
        """
        row = self._show(kind, name)
        mode = _string(str(row[1]))
        return [f"SET SESSION sql_mode = {mode}", _normalise(str(row[2]), self.schema)]

    def sequence_value(self, name: str) -> str:
        """The statement that gives a sequence its next value again."""
        query = f"SELECT next_not_cached_value FROM {self._name(name)}"
        value = self.connection.exec_driver_sql(query).scalar()
        return f"SELECT SETVAL({self.quote(name)}, {value}, 0)"

    def rows(self, tables: list[str]) -> list[str]:
        """INSERT statements for the rows of ``tables``, in primary-key
        order (in the order of all the columns where there is none), read
        and written in UTC, after the settings that load them as they are.
        """
        # TIMESTAMP values are shown in the session's time zone.
        zone = self.connection.exec_driver_sql("SELECT @@SESSION.time_zone").scalar()
        self.connection.exec_driver_sql("SET SESSION time_zone = '+00:00'")

        try:
            found = [row for table in tables for row in self._rows(table)]
        finally:
            self.connection.execute(
                sa.text("SET SESSION time_zone = :zone"), {"zone": zone}
            )

        # A zero in an AUTO_INCREMENT column stays a zero.
        return [
            "SET SESSION time_zone = '+00:00'",
            "SET SESSION sql_mode = 'NO_AUTO_VALUE_ON_ZERO'",
            *found,
        ]

    def _rows(self, table: str) -> list[str]:
        where = {"schema": self.schema, "table": table}
        columns = self.connection.execute(_COLUMNS, where).scalars().all()
        key = self.connection.execute(_KEY, where).scalars().all()
        listed = ", ".join(self.quote(name) for name in columns)
        order = ", ".join(self.quote(name) for name in key or columns)
        select = f"SELECT {listed} FROM {self._name(table)} ORDER BY {order}"
        head = f"INSERT INTO {self.quote(table)} ({listed}) VALUES"
        return [
            f"{head} ({', '.join(_literal(value) for value in row)})"
            for row in self.connection.exec_driver_sql(select)
        ]


def _normalise(statement: str, schema: str) -> str:
    """A ``SHOW CREATE`` statement without its ``DEFINER=user@host`` clause,
    its ``AUTO_INCREMENT=N`` table option, and the schema's name before the
    names of its objects.
    """
    parts = list(tokens(statement, "mariadb"))
    # The positions of the tokens other than space.
    solid = [i for i, (kind, _) in enumerate(parts) if kind != "space"]
    own = ("quoted", "`" + schema.replace("`", "``") + "`")
    dropped: set[int] = set()

    for n, i in enumerate(solid):
        after = [parts[j] for j in solid[n + 1 : n + 4]]
        word = parts[i][1].upper() if parts[i][0] == "word" else ""

        if word in ("DEFINER", "AUTO_INCREMENT") and after[:1] == [("punct", "=")]:
            # DEFINER=`user`@`host` (a role has no host), AUTO_INCREMENT=42.
            count = 4 if word == "DEFINER" and after[2:3] == [("punct", "@")] else 2
            last = solid[min(n + count, len(solid) - 1)]
            dropped.update(range(i, last + 1))

            if i > 0 and parts[i - 1][0] == "space":
                dropped.add(i - 1)
        elif parts[i] == own and after[:1] == [("punct", ".")]:
            dropped.update(range(i, solid[n + 1] + 1))

    return "".join(text for i, (_, text) in enumerate(parts) if i not in dropped)


def _string(text: str) -> str:
    """A MariaDB string literal, with backslash escapes."""
    escaped = text.replace("\\", "\\\\").replace("'", "''").replace("\x00", "\\0")
    return f"'{escaped}'"


def _literal(value: object) -> str:
    """A MariaDB literal for a value as the driver returns it."""
    if value is None:
        return "NULL"

    if isinstance(value, bool):
        return str(int(value))

    if isinstance(value, int):
        return str(value)

    if isinstance(value, float):
        return repr(value)

    if isinstance(value, Decimal):
        return format(value, "f")

    if isinstance(value, (bytes, bytearray)):
        return f"X'{bytes(value).hex().upper()}'"

    if isinstance(value, datetime.datetime):
        return _string(value.isoformat(sep=" "))

    if isinstance(value, (datetime.date, datetime.time)):
        return _string(value.isoformat())

    if isinstance(value, datetime.timedelta):
        return _string(_time(value))

    if isinstance(value, (set, frozenset)):
        return _string(",".join(sorted(str(v) for v in value)))

    return _string(str(value))


def _time(value: datetime.timedelta) -> str:
    """A TIME value, which may be negative and over 24 hours."""
    micro = abs(value) // datetime.timedelta(microseconds=1)
    seconds, micro = divmod(micro, 1_000_000)
    minutes, seconds = divmod(seconds, 60)
    hours, minutes = divmod(minutes, 60)
    sign = "-" if value < datetime.timedelta(0) else ""
    fraction = f".{micro:06d}" if micro else ""
    return f"{sign}{hours:02d}:{minutes:02d}:{seconds:02d}{fraction}"
