"""Catalogs as values, their comparison, and the normal form of SQLite's
statements, without a database.
"""

from __future__ import annotations

import pytest

from alembic_envkit.snapshot import _catalog_sqlite_sql as sqlite_sql
from alembic_envkit.snapshot._catalog import Catalog
from alembic_envkit.snapshot._catalog import compare_catalogs

TABLE = ("table 'a'", ())
COLUMN = ("table 'a': column 'x'", (("type", "int"), ("nullable", "NO")))
VIEW = ("view 'v'", (("definition", "select 1\nfrom a"),))


def test_compare_nested() -> None:
    """A missing object is one line, not one more per object under it."""
    expected = Catalog("sqlite", (TABLE, COLUMN))
    actual = Catalog("sqlite", (VIEW,))

    assert compare_catalogs(expected, actual) == [
        "table 'a': only in the replayed database",
        "view 'v': only in the loaded database",
    ]


def test_compare_attributes() -> None:
    """An attribute on one side only is none on the other; lines are sorted."""
    column = ("table 'a': column 'x'", (("type", "bigint"), ("default", "0")))
    expected = Catalog("sqlite", (TABLE, COLUMN))
    actual = Catalog("sqlite", (TABLE, column))

    assert compare_catalogs(expected, actual) == [
        "table 'a': column 'x': default none in the replayed database, 0 in the"
        " loaded one",
        "table 'a': column 'x': nullable NO in the replayed database, none in the"
        " loaded one",
        "table 'a': column 'x': type int in the replayed database, bigint in the"
        " loaded one",
    ]


def test_compare_long_values() -> None:
    """A long value is shown from a little before its first difference."""
    long = "x" * 100
    expected = Catalog("sqlite", (("view 'v'", (("definition", long + "a"),)),))
    actual = Catalog("sqlite", (("view 'v'", (("definition", long + "b"),)),))

    assert compare_catalogs(expected, actual) == [
        "view 'v': definition differs from character 101:"
        f" '{'x' * 10}a' in the replayed database, '{'x' * 10}b' in the loaded one"
    ]


def test_compare_dialects() -> None:
    """Catalogs of two dialects are not compared object by object."""
    expected = Catalog("sqlite", (TABLE,))

    assert compare_catalogs(expected, Catalog("postgresql", ())) == [
        "dialect sqlite in the replayed database, postgresql in the loaded one:"
        " compare catalogs of the same dialect"
    ]
    assert compare_catalogs(expected, expected) == []


def test_text_forms() -> None:
    """A catalog reads as one line per object, line breaks written \\n."""
    value = Catalog("sqlite", (TABLE, COLUMN, VIEW))

    assert value.lines() == [
        "table 'a'",
        "table 'a': column 'x': type int; nullable NO",
        "view 'v': definition select 1\\nfrom a",
    ]
    assert str(value) == "\n".join(value.lines())
    assert repr(value).startswith("<Catalog sqlite\n    table 'a'\n")
    assert value["table 'a': column 'x'"] == {"type": "int", "nullable": "NO"}
    assert "view 'v'" in value and "view 'w'" not in value

    with pytest.raises(KeyError, match="view 'w'"):
        value["view 'w'"]


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ('CREATE VIEW "v" AS SELECT a,b FROM t', "create view v as select a, b from t"),
        ("select [a] -- note\n from `t`", "SELECT a\n/* note */ FROM t"),
        ('select "a b", "x""y" from t', 'select "a b", "x""y" from t'),
        ("select lower( a ) ;", "SELECT lower(a);"),
    ],
)
def test_sqlite_normal_form_equal(one: str, other: str) -> None:
    """Spellings of one statement share their normal form."""
    assert sqlite_sql.normal(one) == sqlite_sql.normal(other)


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("select 'A' from t", "select 'a' from t"),
        ("select 'a  b' from t", "select 'a b' from t"),
        ('select "a b" from t', "select a_b from t"),
    ],
)
def test_sqlite_normal_form_different(one: str, other: str) -> None:
    """String literals and names that need quotes keep their difference."""
    assert sqlite_sql.normal(one) != sqlite_sql.normal(other)


def test_sqlite_table_constraints() -> None:
    """Constraint names and columns are read around quotes and comments."""
    statement = """CREATE TABLE "t, (x)" (
        "id" INTEGER CONSTRAINT "pk t" PRIMARY KEY, -- a comment, (with) CHECK
        "Name" VARCHAR(10) DEFAULT 'check (x), unique' COLLATE NOCASE
            CONSTRAINT ck_name CHECK (length("Name") > 0) UNIQUE,
        other INT REFERENCES "o t"(id) ON DELETE CASCADE,
        CONSTRAINT fk_two FOREIGN KEY (id, other) REFERENCES o (a, b),
        CHECK (other > 0)
    ) WITHOUT ROWID, STRICT"""

    parsed = sqlite_sql.table(statement)

    assert list(parsed.columns) == ["id", "name", "other"]
    assert parsed.constraints == [
        ("primary key", "pk t", ("id",), ""),
        ("check", "ck_name", ("name",), "length(name) > 0"),
        ("unique", None, ("name",), ""),
        ("foreign key", None, ("other",), "o t"),
        ("foreign key", "fk_two", ("id", "other"), "o"),
        ("check", None, (), "other > 0"),
    ]
    assert parsed.options == "without rowid, strict"


def test_sqlite_index() -> None:
    """An index statement gives its columns and expressions and its predicate."""
    statement = 'CREATE INDEX "ix" ON t (a DESC, lower("b") COLLATE nocase) WHERE a>0'

    assert sqlite_sql.index(statement) == (
        ["a desc", "lower(b) collate nocase"],
        "a > 0",
    )
