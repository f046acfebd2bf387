"""Fixtures for Flask-Alembic with Flask-SQLAlchemy-Lite, on SQLite files in
the test's folder.
"""

from __future__ import annotations

import typing as t
from pathlib import Path

import pytest
from flask import Flask
from flask.ctx import AppContext
from flask.testing import FlaskCliRunner
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
def app_ctx(app: Flask, db: SQLAlchemy) -> t.Iterator[AppContext]:
    """Push an app context; requesting ``db`` first keeps its engines alive
    until the context has closed its connections.
    """
    with app.app_context() as ctx:
        yield ctx


@pytest.fixture
def revise_and_upgrade() -> t.Callable[[Flask], FlaskCliRunner]:
    """Through an app's ``flask db``: check lists the new ``item`` table in
    ``default`` and ``account`` in ``auth``, then revision and upgrade
    succeed. Returns the app's CLI runner.
    """

    def run(app: Flask) -> FlaskCliRunner:
        runner = app.test_cli_runner()
        result = runner.invoke(args=["db", "check"])
        assert result.exit_code == 1
        assert result.stdout.splitlines() == [
            "Changes detected.",
            "  default: add_table item",
            "  auth: add_table account",
        ]

        for args in (["revision", "init"], ["upgrade"]):
            result = runner.invoke(args=["db", *args])
            assert result.exit_code == 0, result.output

        return runner

    return run
