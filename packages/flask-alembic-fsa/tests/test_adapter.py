"""FlaskSQLAlchemyAdapter: declared as an entry point, recognises only
Flask-SQLAlchemy, and returns its default metadata and its engines.
"""

from __future__ import annotations

import typing as t
from importlib.metadata import entry_points

import pytest
import sqlalchemy as sa
from flask import Flask
from flask_sqlalchemy import SQLAlchemy
from flask_sqlalchemy_lite import SQLAlchemy as LiteSQLAlchemy

from flask_alembic import SQLAlchemyAdapter
from flask_alembic._adapters import find_adapter
from flask_alembic._adapters import load_adapters
from flask_alembic_fsa import FlaskSQLAlchemyAdapter


@pytest.fixture
def adapter() -> FlaskSQLAlchemyAdapter:
    """An adapter instance."""
    return FlaskSQLAlchemyAdapter()


def test_entry_point_declared() -> None:
    """The package declares its adapter in the flask_alembic.adapters group."""
    (ep,) = [
        e
        for e in entry_points(group="flask_alembic.adapters")
        if e.name == "flask_sqlalchemy"
    ]
    assert ep.value == "flask_alembic_fsa:FlaskSQLAlchemyAdapter"
    assert ep.load() is FlaskSQLAlchemyAdapter


def test_entry_point_loaded() -> None:
    """Flask-Alembic loads the adapter from its entry point, once."""
    adapters = load_adapters()
    assert isinstance(adapters["flask_sqlalchemy"], FlaskSQLAlchemyAdapter)
    assert load_adapters()["flask_sqlalchemy"] is adapters["flask_sqlalchemy"]


def test_found_for_extension(db: SQLAlchemy) -> None:
    """find_adapter picks this adapter for a Flask-SQLAlchemy extension."""
    assert isinstance(find_adapter(db), FlaskSQLAlchemyAdapter)


def test_is_protocol(adapter: FlaskSQLAlchemyAdapter) -> None:
    """The adapter satisfies the SQLAlchemyAdapter protocol."""
    assert isinstance(adapter, SQLAlchemyAdapter)


def test_supports_own_extension(
    adapter: FlaskSQLAlchemyAdapter, db: SQLAlchemy
) -> None:
    """supports() is True for a Flask-SQLAlchemy instance and a subclass."""

    class Custom(SQLAlchemy):
        pass

    assert adapter.supports(db) is True
    assert adapter.supports(Custom()) is True


class _LooksLikeFSA:
    """Has the attributes of Flask-SQLAlchemy without being it."""

    metadata = sa.MetaData()
    metadatas = {None: metadata}
    engine = None
    engines: dict[t.Any, t.Any] = {}


@pytest.mark.parametrize(
    "other",
    [
        pytest.param(lambda: LiteSQLAlchemy(), id="lite"),
        pytest.param(lambda: SQLAlchemy, id="class"),
        pytest.param(lambda: _LooksLikeFSA(), id="duck"),
        pytest.param(lambda: object(), id="object"),
        pytest.param(lambda: None, id="none"),
    ],
)
def test_supports_nothing_else(
    adapter: FlaskSQLAlchemyAdapter, other: t.Callable[[], object]
) -> None:
    """supports() is False for anything that is not a Flask-SQLAlchemy
    instance, whatever attributes it has.
    """
    assert adapter.supports(other()) is False


def test_metadatas_default_metadata(
    adapter: FlaskSQLAlchemyAdapter, db: SQLAlchemy, user_model: type
) -> None:
    """metadatas() returns db.metadata, holding the default bind's tables."""
    assert adapter.metadatas(db) is db.metadata
    assert set(db.metadata.tables) == {"user"}


def test_engines_default_named(
    app: Flask, adapter: FlaskSQLAlchemyAdapter, db: SQLAlchemy
) -> None:
    """engines() names the default engine "default"."""
    db.init_app(app)

    with app.app_context():
        engines = adapter.engines(db)
        assert engines == {"default": db.engine}


def test_engines_binds(
    app: Flask,
    adapter: FlaskSQLAlchemyAdapter,
    db: SQLAlchemy,
    sqlite_url: t.Callable[[str], str],
) -> None:
    """engines() returns every bind's engine under its bind key."""
    app.config["SQLALCHEMY_BINDS"] = {
        "auth": sqlite_url("auth"),
        "meta": sqlite_url("meta"),
    }
    db.init_app(app)

    with app.app_context():
        engines = adapter.engines(db)
        assert set(engines) == {"default", "auth", "meta"}
        assert engines["default"] is db.engines[None]
        assert engines["auth"] is db.engines["auth"]
        assert str(engines["meta"].url) == sqlite_url("meta")
