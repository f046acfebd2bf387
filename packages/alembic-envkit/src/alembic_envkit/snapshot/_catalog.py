"""A normalised catalog of a database's schema, and the comparison of two:
how ``snapshot --check`` tells that a database loaded from a snapshot is the
one its migrations build.
"""

from __future__ import annotations

import collections.abc as cabc
import os
import typing as t
from dataclasses import dataclass

from .._errors import ConfigurationError
from ._catalog_mariadb import read as read_mariadb
from ._catalog_postgresql import read as read_postgresql
from ._catalog_sqlite import read as read_sqlite

if t.TYPE_CHECKING:
    import sqlalchemy as sa

    from ._catalog_objects import Objects

#: The reader of each SQLAlchemy dialect name.
_READERS: dict[
    str, cabc.Callable[[sa.Connection, str | None, cabc.Set[str]], Objects]
] = {
    "sqlite": read_sqlite,
    "postgresql": read_postgresql,
    "mysql": read_mariadb,
    "mariadb": read_mariadb,
}

#: How the two sides of a comparison are called.
_EXPECTED = "the replayed database"
_ACTUAL = "the loaded database"

#: Values longer than this, or on several lines, are shown around their
#: first difference.
_LONG = 60
_AROUND = 30


@dataclass(frozen=True, repr=False)
class Catalog:
    """The schema of a database as plain, comparable data: each object
    under a readable name, such as ``table 'user': column 'name'``, with its
    attributes as text, such as ``{"position": "2", "type": "varchar(50)",
    "nullable": "NO"}``. Two databases built by different routes to the same schema on
    the same dialect have equal catalogs.

    Made by :func:`catalog`; compared by :func:`compare_catalogs`.

    .. versionadded:: 0.1
    """

    #: The SQLAlchemy dialect name of the database.
    dialect: str
    #: Each object's name and attributes, in the order of the names.
    objects: tuple[tuple[str, tuple[tuple[str, str], ...]], ...]

    def __contains__(self, name: object) -> bool:
        return any(own == name for own, _ in self.objects)

    def __getitem__(self, name: str) -> dict[str, str]:
        """The attributes of the object named ``name``.

        :raises KeyError: If the catalog has no such object.
        """
        for own, attributes in self.objects:
            if own == name:
                return dict(attributes)

        raise KeyError(name)

    def names(self) -> list[str]:
        """The names of the objects, in order."""
        return [name for name, _ in self.objects]

    def lines(self) -> list[str]:
        """The catalog as text, one line per object: its name, then its
        attributes, ``name value`` separated by semicolons, with the line
        breaks of a value written ``\\n``.
        """
        return [
            f"{name}: " + "; ".join(f"{k} {_one_line(v)}" for k, v in attributes)
            if attributes
            else name
            for name, attributes in self.objects
        ]

    def __str__(self) -> str:
        return "\n".join(self.lines())

    def __repr__(self) -> str:
        lines = "".join(f"\n    {line}" for line in self.lines())
        return f"<Catalog {self.dialect}{lines}>"


def catalog(
    connection: sa.Connection,
    schema: str | None = None,
    *,
    exclude_tables: cabc.Collection[str] = (),
) -> Catalog:
    """Read the catalog of a database's schema: tables; columns with their
    position, type, nullability and server default; primary key, unique,
    foreign key and check constraints, and indexes, with their names; views
    and triggers; on PostgreSQL, sequences, user types (enums, domains,
    ranges, composites), functions and procedures, and extensions; on
    MariaDB, sequences, stored functions and procedures.

    Left out is what differs between two databases with the same schema:
    object ids, sequence values, ``AUTO_INCREMENT`` counters, statistics,
    owners and definers, and the name of the database itself. Definitions
    are read in the server's own rendering where it has one, so compare
    catalogs of the same dialect.

    :param connection: A connection to the database; on PostgreSQL, its
        ``search_path`` is changed while the catalog is read and put back.
    :param schema: The schema to read: PostgreSQL's ``current_schema()``,
        MariaDB's ``DATABASE()`` or SQLite's ``main`` by default. Queries
        take it as a bound parameter; the two that must name it in SQL
        (SQLite's ``sqlite_master`` of an attached database, a MariaDB
        sequence) have the dialect's identifier preparer quote it.
    :param exclude_tables: Names of tables to leave out, with their columns,
        constraints, indexes, triggers and owned sequences. A string is one
        name.
    :raises ConfigurationError: If the schema does not exist, or the
        database is neither SQLite, PostgreSQL nor MariaDB.

    .. versionadded:: 0.1
    """
    reader = _READERS.get(connection.dialect.name)

    if reader is None:
        raise ConfigurationError(
            f"catalog() reads SQLite, PostgreSQL and MariaDB databases, not"
            f" {connection.dialect.name}: connect to one of those."
        )

    if isinstance(exclude_tables, str):
        exclude_tables = (exclude_tables,)

    objects = reader(connection, schema, frozenset(exclude_tables))
    return Catalog(
        connection.dialect.name,
        tuple((name, tuple(objects[name].items())) for name in sorted(objects)),
    )


def compare_catalogs(expected: Catalog, actual: Catalog) -> list[str]:
    """Every difference between two catalogs, one line each, sorted: an
    object only one of them has (not the objects under it, such as the
    columns of a missing table), or an attribute that differs. ``expected``
    is called the replayed database, ``actual`` the loaded one::

        table 'user': column 'name': nullable NO in the replayed database,
        YES in the loaded one

    :param expected: The catalog of the database built by the migrations.
    :param actual: The catalog of the database to check against it.
    :return: The differences; an empty list when the catalogs are equal.

    .. versionadded:: 0.1
    """
    if expected.dialect != actual.dialect:
        return [
            f"dialect {expected.dialect} in {_EXPECTED}, {actual.dialect} in"
            " the loaded one: compare catalogs of the same dialect"
        ]

    left = {name: dict(attributes) for name, attributes in expected.objects}
    right = {name: dict(attributes) for name, attributes in actual.objects}
    lines = []

    for name, attributes in left.items():
        other = right.get(name)

        if other is None:
            if not _under_missing(name, left, right):
                lines.append(f"{name}: only in {_EXPECTED}")
            continue

        for key in [*attributes, *(k for k in other if k not in attributes)]:
            if attributes.get(key) != other.get(key):
                difference = _difference(attributes.get(key), other.get(key))
                lines.append(f"{name}: {key} {difference}")

    for name in right:
        if name not in left and not _under_missing(name, right, left):
            lines.append(f"{name}: only in {_ACTUAL}")

    return sorted(lines)


def _under_missing(
    name: str, own: cabc.Container[str], other: cabc.Container[str]
) -> bool:
    """Whether the object ``name`` is under one that the other catalog
    misses, such as a column of a missing table: the difference is then
    said once, for that object.
    """
    end = name.find(": ")

    while end != -1:
        if name[:end] in own and name[:end] not in other:
            return True

        end = name.find(": ", end + 2)

    return False


def _one_line(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n")


def _difference(left: str | None, right: str | None) -> str:
    """How two values of an attribute differ; long ones from a little before
    their first difference.
    """
    shown = [value or "" for value in (left, right)]

    if any(len(value) > _LONG or "\n" in value for value in shown):
        first = len(os.path.commonprefix(shown))
        start = max(0, first - 10)
        a, b = (repr(value[start : start + _AROUND]) for value in shown)
        return (
            f"differs from character {first + 1}: {a} in {_EXPECTED}, {b} in"
            " the loaded one"
        )

    a, b = (value if value is not None else "none" for value in (left, right))
    return f"{a} in {_EXPECTED}, {b} in the loaded one"
