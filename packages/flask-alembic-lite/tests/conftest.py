"""Fixtures for Flask-Alembic with Flask-SQLAlchemy-Lite, on SQLite files in
the test's folder.
"""

from __future__ import annotations

import typing as t
from pathlib import Path

import pytest
import sqlalchemy as sa
import sqlalchemy.orm as orm
from flask import Flask
from flask.ctx import AppContext
from flask_sqlalchemy_lite import SQLAlchemy


@pytest.fixture
def app(tmp_path: Path, sqlite_url: t.Callable[[str], str]) -> Flask:
    """An app rooted in the test's folder, with its default engine there."""
    app = Flask(__name__, root_path=str(tmp_path))
    app.config["SQLALCHEMY_ENGINES"] = {"default": sqlite_url("default")}
    return app


@pytest.fixture
def db(app: Flask) -> t.Iterator[SQLAlchemy]:
    """A Flask-SQLAlchemy-Lite extension, not yet registered on the app. Its
    engines are disposed when the test ends.
    """
    db = SQLAlchemy()
    yield db

    if app.extensions.get("sqlalchemy") is db:
        with app.app_context():
            for engine in db.engines.values():
                engine.dispose()


@pytest.fixture
def model() -> type[orm.DeclarativeBase]:
    """A declarative base with a ``user`` model."""

    class Model(orm.DeclarativeBase):
        pass

    class User(Model):
        __tablename__ = "user"
        id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
        name: orm.Mapped[str] = orm.mapped_column(sa.String(50))

    return Model


@pytest.fixture
def app_ctx(app: Flask, db: SQLAlchemy) -> t.Iterator[AppContext]:
    """Push an app context; requesting ``db`` first keeps its engines alive
    until the context has closed its connections.
    """
    with app.app_context() as ctx:
        yield ctx
