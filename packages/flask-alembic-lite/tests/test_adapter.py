"""FlaskSQLAlchemyLiteAdapter: declared as an entry point, recognises only
Flask-SQLAlchemy-Lite, returns its engines and no metadata.
"""

from __future__ import annotations

import typing as t
from importlib.metadata import entry_points

import pytest
from flask import Flask
from flask_sqlalchemy import SQLAlchemy as FSASQLAlchemy
from flask_sqlalchemy_lite import SQLAlchemy

from flask_alembic import SQLAlchemyAdapter
from flask_alembic._adapters import find_adapter
from flask_alembic._adapters import load_adapters
from flask_alembic_lite import FlaskSQLAlchemyLiteAdapter


@pytest.fixture
def adapter() -> FlaskSQLAlchemyLiteAdapter:
    """An adapter instance."""
    return FlaskSQLAlchemyLiteAdapter()


def test_entry_point_declared() -> None:
    """The package declares its adapter in the flask_alembic.adapters group."""
    (ep,) = [
        e
        for e in entry_points(group="flask_alembic.adapters")
        if e.name == "flask_sqlalchemy_lite"
    ]
    assert ep.value == "flask_alembic_lite:FlaskSQLAlchemyLiteAdapter"
    assert ep.load() is FlaskSQLAlchemyLiteAdapter


def test_entry_point_loaded() -> None:
    """Flask-Alembic loads the adapter from its entry point, once."""
    adapters = load_adapters()
    assert isinstance(adapters["flask_sqlalchemy_lite"], FlaskSQLAlchemyLiteAdapter)
    assert load_adapters()["flask_sqlalchemy_lite"] is adapters["flask_sqlalchemy_lite"]


def test_found_for_extension(db: SQLAlchemy) -> None:
    """find_adapter picks this adapter for a Flask-SQLAlchemy-Lite extension."""
    assert isinstance(find_adapter(db), FlaskSQLAlchemyLiteAdapter)


def test_is_protocol(adapter: FlaskSQLAlchemyLiteAdapter) -> None:
    """The adapter satisfies the SQLAlchemyAdapter protocol."""
    assert isinstance(adapter, SQLAlchemyAdapter)


def test_supports_own_extension(
    adapter: FlaskSQLAlchemyLiteAdapter, db: SQLAlchemy
) -> None:
    """supports() is True for a Flask-SQLAlchemy-Lite instance and a
    subclass.
    """

    class Custom(SQLAlchemy):
        pass

    assert adapter.supports(db) is True
    assert adapter.supports(Custom()) is True


class _LooksLikeLite:
    """Has an ``engines`` attribute without being Flask-SQLAlchemy-Lite."""

    engines: t.ClassVar[dict[str, t.Any]] = {}


@pytest.mark.parametrize(
    "other",
    [
        pytest.param(lambda: FSASQLAlchemy(), id="fsa"),
        pytest.param(lambda: SQLAlchemy, id="class"),
        pytest.param(lambda: _LooksLikeLite(), id="duck"),
        pytest.param(lambda: object(), id="object"),
        pytest.param(lambda: None, id="none"),
    ],
)
def test_supports_nothing_else(
    adapter: FlaskSQLAlchemyLiteAdapter, other: t.Callable[[], object]
) -> None:
    """supports() is False for anything that is not a Flask-SQLAlchemy-Lite
    instance.
    """
    assert adapter.supports(other()) is False


def test_no_metadata(adapter: FlaskSQLAlchemyLiteAdapter, db: SQLAlchemy) -> None:
    """metadatas() returns None: the extension does not manage metadata."""
    assert adapter.metadatas(db) is None


def test_engines(
    app: Flask,
    adapter: FlaskSQLAlchemyLiteAdapter,
    db: SQLAlchemy,
    sqlite_url: t.Callable[[str], str],
) -> None:
    """engines() returns db.engines, keyed as in SQLALCHEMY_ENGINES."""
    app.config["SQLALCHEMY_ENGINES"]["auth"] = sqlite_url("auth")
    db.init_app(app)

    with app.app_context():
        engines = adapter.engines(db)
        assert engines == db.engines
        assert set(engines) == {"default", "auth"}
        assert str(engines["auth"].url) == sqlite_url("auth")
