"""Flask-SQLAlchemy-Lite's async engines: picked up from
``SQLALCHEMY_ASYNC_ENGINES`` with no extra arguments, alone or next to sync
engines, through the API, ``flask db`` and an async view.
"""

from __future__ import annotations

import asyncio
import typing as t
from pathlib import Path

import pytest
import sqlalchemy.orm as orm
from flask import Flask
from flask.testing import FlaskCliRunner
from flask_sqlalchemy_lite import SQLAlchemy
from sqlalchemy.ext.asyncio import AsyncEngine

from flask_alembic import Alembic
from flask_alembic_lite import FlaskSQLAlchemyLiteAdapter


class AuthBase(orm.DeclarativeBase):
    pass


class Account(AuthBase):
    __tablename__ = "account"
    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)


@pytest.fixture
def async_url(sqlite_url: t.Callable[[str], str]) -> t.Callable[[str], str]:
    """aiosqlite URLs of SQLite files in the test's folder."""
    return lambda name: sqlite_url(name).replace("sqlite://", "sqlite+aiosqlite://")


@pytest.fixture
def make_app(tmp_path: Path) -> t.Iterator[t.Callable[..., tuple[Flask, SQLAlchemy]]]:
    """Make apps with a Flask-SQLAlchemy-Lite extension from the given engine
    config; all their engines are disposed when the test ends.
    """
    made: list[tuple[Flask, SQLAlchemy]] = []

    def make(
        engines: dict[str, str] | None = None,
        async_engines: dict[str, str] | None = None,
    ) -> tuple[Flask, SQLAlchemy]:
        app = Flask(__name__, root_path=str(tmp_path))

        if engines:
            app.config["SQLALCHEMY_ENGINES"] = engines

        if async_engines:
            app.config["SQLALCHEMY_ASYNC_ENGINES"] = async_engines

        db = SQLAlchemy(app)
        made.append((app, db))
        return app, db

    yield make

    for app, db in made:
        with app.app_context():
            for engine in db.engines.values():
                engine.dispose()

            for async_engine in db.async_engines.values():
                asyncio.run(async_engine.dispose())


def test_adapter_async_only(
    make_app: t.Callable[..., tuple[Flask, SQLAlchemy]],
    async_url: t.Callable[[str], str],
) -> None:
    """With only SQLALCHEMY_ASYNC_ENGINES, the adapter returns the async
    engines.
    """
    app, db = make_app(async_engines={"default": async_url("default")})

    with app.app_context():
        engines = FlaskSQLAlchemyLiteAdapter().engines(db)
        assert engines == {"default": db.async_engine}


def test_adapter_mixed_names(
    make_app: t.Callable[..., tuple[Flask, SQLAlchemy]],
    sqlite_url: t.Callable[[str], str],
    async_url: t.Callable[[str], str],
) -> None:
    """A name configured as both sync and async uses the sync engine; names
    only configured as async use the async engine.
    """
    app, db = make_app(
        engines={"default": sqlite_url("default")},
        async_engines={"default": async_url("default"), "auth": async_url("auth")},
    )

    with app.app_context():
        engines = FlaskSQLAlchemyLiteAdapter().engines(db)
        assert engines == {"default": db.engine, "auth": db.get_async_engine("auth")}
        assert isinstance(engines["auth"], AsyncEngine)


def test_async_only_api(
    make_app: t.Callable[..., tuple[Flask, SQLAlchemy]],
    async_url: t.Callable[[str], str],
    tables: t.Callable[[str], set[str]],
    versions: t.Callable[[str], set[str]],
) -> None:
    """An app with only async engines autogenerates, upgrades, checks and
    downgrades through the Python API with no engines passed.
    """
    app, _ = make_app(async_engines={"default": async_url("default")})
    alembic = Alembic(app, metadatas=AuthBase.metadata)

    with app.app_context():
        assert alembic.needs_revision() is True
        (script,) = alembic.revision("init")
        assert script is not None
        assert "op.create_table('account'" in Path(script.path).read_text()
        alembic.upgrade()
        assert [s.revision for s in alembic.current()] == [script.revision]
        assert alembic.compare_metadata() == []

    assert tables("default") == {"alembic_version", "account"}
    assert versions("default") == {script.revision}

    with app.app_context():
        alembic.downgrade("base")

    assert tables("default") == {"alembic_version"}


def test_mixed_multidb_cli(
    make_app: t.Callable[..., tuple[Flask, SQLAlchemy]],
    sqlite_url: t.Callable[[str], str],
    async_url: t.Callable[[str], str],
    revise_and_upgrade: t.Callable[[Flask], FlaskCliRunner],
    tables: t.Callable[[str], set[str]],
) -> None:
    """A sync default engine and an async auth engine migrate together
    through ``flask db``: revision, upgrade, check, downgrade.
    """

    class Base(orm.DeclarativeBase):
        pass

    class Item(Base):
        __tablename__ = "item"
        id: orm.Mapped[int] = orm.mapped_column(primary_key=True)

    app, _ = make_app(
        engines={"default": sqlite_url("default")},
        async_engines={"auth": async_url("auth")},
    )
    Alembic(app, metadatas={"default": Base.metadata, "auth": AuthBase.metadata})
    runner = revise_and_upgrade(app)
    assert tables("default") == {"alembic_version", "item"}
    assert tables("auth") == {"alembic_version", "account"}
    result = runner.invoke(args=["db", "check"])
    assert (result.exit_code, result.stdout) == (0, "No changes detected.\n")
    result = runner.invoke(args=["db", "downgrade", "base"])
    assert result.exit_code == 0, result.output
    assert tables("auth") == {"alembic_version"}


def test_async_view(
    make_app: t.Callable[..., tuple[Flask, SQLAlchemy]],
    async_url: t.Callable[[str], str],
) -> None:
    """An async view awaits ``run_async``; calling the plain method there
    answers with the error that says to await it.
    """
    app, _ = make_app(async_engines={"default": async_url("default")})
    alembic = Alembic(app, metadatas=AuthBase.metadata)

    @app.get("/behind")
    async def behind() -> dict[str, bool]:
        return {"behind": await alembic.run_async(alembic.needs_upgrade)}

    @app.get("/plain")
    async def plain() -> str:
        try:
            alembic.needs_upgrade()
        except RuntimeError as e:
            return str(e)

        return "no error"

    with app.app_context():
        alembic.revision("init", empty=True)

    client = app.test_client()
    assert client.get("/behind").json == {"behind": True}
    assert "await environment.run_async(" in client.get("/plain").text
