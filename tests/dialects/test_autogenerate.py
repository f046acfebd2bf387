"""Autogenerate on every dialect: each kind of change is detected, the
generated revision applies, and a second comparison finds nothing.

The column types and server defaults in TYPES and DEFAULTS are the declared
matrix that compares clean on SQLite, PostgreSQL and MariaDB (see
the Dialects section of docs/databases.md for the limits outside it).
"""

from __future__ import annotations

import enum
import typing as t

import pytest
import sqlalchemy as sa

from alembic_envkit import Environment

Tables: t.TypeAlias = t.Callable[..., set[str]]


class Color(enum.Enum):
    red = "red"
    green = "green"


TYPES: dict[str, t.Callable[[], sa.types.TypeEngine[t.Any]]] = {
    "integer": sa.Integer,
    "big_integer": sa.BigInteger,
    "small_integer": sa.SmallInteger,
    "string": lambda: sa.String(80),
    "text": sa.Text,
    "boolean": sa.Boolean,
    "date": sa.Date,
    "datetime": sa.DateTime,
    "datetime_tz": lambda: sa.DateTime(timezone=True),
    "time": sa.Time,
    "numeric": lambda: sa.Numeric(10, 2),
    "float": sa.Float,
    "enum": lambda: sa.Enum(Color, name="color"),
    "json": sa.JSON,
    "binary": sa.LargeBinary,
    "uuid": sa.Uuid,
}

DEFAULTS: dict[str, tuple[t.Callable[[], sa.types.TypeEngine[t.Any]], t.Any]] = {
    "integer_zero": (sa.Integer, sa.text("0")),
    "string_literal": (lambda: sa.String(20), "draft"),
    "boolean_false": (sa.Boolean, sa.false()),
    "boolean_true": (sa.Boolean, sa.true()),
    "numeric": (lambda: sa.Numeric(10, 2), sa.text("1.50")),
    "timestamp_now": (sa.DateTime, sa.func.now()),
    "timestamp_current": (sa.DateTime, sa.text("CURRENT_TIMESTAMP")),
}


def _model(*columns: sa.Column[t.Any], **tables: list[sa.Column[t.Any]]) -> sa.MetaData:
    metadata = sa.MetaData()
    sa.Table("item", metadata, sa.Column("id", sa.Integer, primary_key=True), *columns)

    for name, cols in tables.items():
        sa.Table(name, metadata, sa.Column("id", sa.Integer, primary_key=True), *cols)

    return metadata


def _migrate(env: Environment) -> None:
    (script,) = env.revision("auto")
    assert script is not None
    env.upgrade()


@pytest.mark.parametrize("name", list(TYPES))
def test_type_round_trip(
    name: str, make_env: t.Callable[..., Environment], engine: sa.Engine
) -> None:
    """A column of each declared type compares clean after its upgrade."""
    metadata = _model(sa.Column("value", TYPES[name](), nullable=True))
    env = make_env(metadata, engine)
    _migrate(env)
    assert env.compare_metadata() == []
    assert env.check() == {"default": []}


@pytest.mark.parametrize("name", list(DEFAULTS))
def test_server_default_round_trip(
    name: str, make_env: t.Callable[..., Environment], engine: sa.Engine
) -> None:
    """A column with each declared server default compares clean."""
    type_, default = DEFAULTS[name]
    metadata = _model(sa.Column("value", type_(), server_default=default))
    env = make_env(metadata, engine)
    _migrate(env)
    assert env.compare_metadata() == []


def _second(
    engine: sa.Engine,
    make_env: t.Callable[..., Environment],
    before: sa.MetaData,
    after: sa.MetaData,
) -> tuple[Environment, list[t.Any]]:
    first = make_env(before, engine)
    _migrate(first)
    first.close()
    env = make_env(after, engine)
    return env, env.compare_metadata()  # type: ignore[return-value]


CHANGES: dict[
    str, tuple[t.Callable[[], sa.MetaData], t.Callable[[], sa.MetaData], str]
] = {
    "add_table": (lambda: _model(), lambda: _model(extra=[]), "add_table"),
    "remove_table": (lambda: _model(extra=[]), lambda: _model(), "remove_table"),
    "add_column": (
        lambda: _model(),
        lambda: _model(sa.Column("name", sa.String(40))),
        "add_column",
    ),
    "remove_column": (
        lambda: _model(sa.Column("name", sa.String(40))),
        lambda: _model(),
        "remove_column",
    ),
    "add_index": (
        lambda: _model(sa.Column("name", sa.String(40))),
        lambda: _model(sa.Column("name", sa.String(40), index=True)),
        "add_index",
    ),
    "remove_index": (
        lambda: _model(sa.Column("name", sa.String(40), index=True)),
        lambda: _model(sa.Column("name", sa.String(40))),
        "remove_index",
    ),
    "add_unique": (
        lambda: _model(sa.Column("code", sa.String(40))),
        lambda: _model(
            sa.Column("code", sa.String(40)),
            sa.UniqueConstraint("code", name="uq_item_code"),
        ),
        "add_constraint",
    ),
    "remove_unique": (
        lambda: _model(
            sa.Column("code", sa.String(40)),
            sa.UniqueConstraint("code", name="uq_item_code"),
        ),
        lambda: _model(sa.Column("code", sa.String(40))),
        "remove_constraint",
    ),
    "add_foreign_key": (
        lambda: _model(sa.Column("owner_id", sa.Integer), owner=[]),
        lambda: _model(
            sa.Column(
                "owner_id", sa.Integer, sa.ForeignKey("owner.id", name="fk_item_owner")
            ),
            owner=[],
        ),
        "add_fk",
    ),
    "remove_foreign_key": (
        lambda: _model(
            sa.Column(
                "owner_id", sa.Integer, sa.ForeignKey("owner.id", name="fk_item_owner")
            ),
            owner=[],
        ),
        lambda: _model(sa.Column("owner_id", sa.Integer), owner=[]),
        "remove_fk",
    ),
    "type_change": (
        lambda: _model(sa.Column("name", sa.String(40))),
        lambda: _model(sa.Column("name", sa.String(120))),
        "modify_type",
    ),
    "server_default_change": (
        lambda: _model(sa.Column("state", sa.String(20), server_default="draft")),
        lambda: _model(sa.Column("state", sa.String(20), server_default="done")),
        "modify_default",
    ),
    "nullable_change": (
        lambda: _model(sa.Column("name", sa.String(40), nullable=True)),
        lambda: _model(sa.Column("name", sa.String(40), nullable=False)),
        "modify_nullable",
    ),
}


def _kinds(diffs: list[t.Any]) -> set[str]:
    kinds = set()

    for diff in diffs:
        for item in diff if isinstance(diff, list) else [diff]:
            kinds.add(item[0])

    return kinds


@pytest.mark.parametrize("change", list(CHANGES))
def test_change_detected_and_applied(
    change: str,
    make_env: t.Callable[..., Environment],
    engine: sa.Engine,
) -> None:
    """Each kind of model change is detected, its revision upgrades, and
    nothing is left to detect afterwards.
    """
    before, after, kind = CHANGES[change]
    env, diffs = _second(engine, make_env, before(), after())
    mariadb = engine.dialect.name in ("mysql", "mariadb")

    if mariadb and change == "remove_unique":
        # MariaDB keeps unique constraints as unique indexes.
        kind = "remove_index"

    assert kind in _kinds(diffs)
    _migrate(env)

    if mariadb and change == "remove_foreign_key":
        # MariaDB keeps the index it made for a foreign key after the key is
        # dropped; the next revision drops it (a documented limit).
        assert _kinds(env.compare_metadata()) == {"remove_index"}
        _migrate(env)

    assert env.compare_metadata() == []
    assert not env.needs_upgrade()
    env.downgrade(1)
    assert env.compare_metadata() != []
