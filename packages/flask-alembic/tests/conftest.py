"""Fixtures for the flask_alembic extension and its ``flask db`` commands,
with plain SQLAlchemy engines on SQLite files in the test's folder.
"""

from __future__ import annotations

import typing as t
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.ctx import AppContext
from flask.testing import FlaskCliRunner

from flask_alembic import Alembic


@pytest.fixture
def app(tmp_path: Path) -> Flask:
    """An app whose root path, and so its migrations folder, is the test's
    temporary folder.
    """
    return Flask(__name__, root_path=str(tmp_path))


@pytest.fixture
def alembic(app: Flask, metadata: sa.MetaData, engine: sa.Engine) -> Alembic:
    """The extension, registered on the app, migrating ``metadata`` on
    ``engine``.
    """
    alembic = Alembic(metadatas=metadata, engines=engine)
    alembic.init_app(app)
    return alembic


@pytest.fixture
def app_ctx(
    app: Flask, make_engine: t.Callable[..., sa.Engine]
) -> t.Iterator[AppContext]:
    """Push an app context for the test. Requesting ``make_engine`` first
    keeps the engines alive until the context has closed its connections.
    """
    with app.app_context() as ctx:
        yield ctx


@pytest.fixture
def runner(app: Flask) -> FlaskCliRunner:
    """Invokes the app's ``flask`` commands without pushing a context."""
    return app.test_cli_runner()


@pytest.fixture
def table_names(engine: sa.Engine) -> t.Callable[[], set[str]]:
    """The tables currently in the default database."""

    def names() -> set[str]:
        return set(sa.inspect(engine).get_table_names())

    return names


@pytest.fixture
def versions(engine: sa.Engine) -> t.Callable[[str], set[str]]:
    """The revision ids recorded in a version table of the default database
    (``alembic_version`` unless given).
    """

    def rows(table: str = "alembic_version") -> set[str]:
        with engine.connect() as conn:
            result = conn.execute(sa.text(f"select version_num from {table}"))
            return {row[0] for row in result}

    return rows
