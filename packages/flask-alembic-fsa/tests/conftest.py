"""Fixtures for Flask-Alembic with Flask-SQLAlchemy, on SQLite files in the
test's folder.
"""

from __future__ import annotations

import typing as t
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.ctx import AppContext
from flask_sqlalchemy import SQLAlchemy


@pytest.fixture
def app(tmp_path: Path, sqlite_url: t.Callable[[str], str]) -> Flask:
    """An app rooted in the test's folder, with its default database there."""
    app = Flask(__name__, root_path=str(tmp_path))
    app.config["SQLALCHEMY_DATABASE_URI"] = sqlite_url("default")
    return app


@pytest.fixture
def db(app: Flask) -> t.Iterator[SQLAlchemy]:
    """A Flask-SQLAlchemy extension, not yet registered on the app. Its
    engines are disposed when the test ends.
    """
    db = SQLAlchemy()
    yield db

    if app.extensions.get("sqlalchemy") is db:
        with app.app_context():
            for engine in db.engines.values():
                engine.dispose()


@pytest.fixture
def user_model(db: SQLAlchemy) -> type[t.Any]:
    """A ``user`` model on the default bind."""

    class User(db.Model):  # type: ignore[name-defined,misc]
        id = sa.Column(sa.Integer, primary_key=True)
        name = sa.Column(sa.String(50))

    return User


@pytest.fixture
def app_ctx(app: Flask, db: SQLAlchemy) -> t.Iterator[AppContext]:
    """Push an app context; requesting ``db`` first keeps its engines alive
    until the context has closed its connections.
    """
    with app.app_context() as ctx:
        yield ctx
