"""Flask-Alembic with Flask-SQLAlchemy-Lite: db.engines with the metadata
passed to Alembic, one or several databases, in either order of init_app.
"""

from __future__ import annotations

import typing as t
from pathlib import Path

import pytest
import sqlalchemy as sa
import sqlalchemy.orm as orm
from flask import Flask
from flask.testing import FlaskCliRunner
from flask_sqlalchemy_lite import SQLAlchemy

from flask_alembic import Alembic


@pytest.mark.parametrize(
    "alembic_first", [True, False], ids=["alembic-first", "db-first"]
)
def test_default_engine(
    app: Flask,
    db: SQLAlchemy,
    model: type[orm.DeclarativeBase],
    tables: t.Callable[[str], set[str]],
    alembic_first: bool,
) -> None:
    """db.engines is used automatically with the metadata passed in,
    whichever extension is registered first.
    """
    alembic = Alembic(metadatas=model.metadata)

    if alembic_first:
        alembic.init_app(app)
        db.init_app(app)
    else:
        db.init_app(app)
        alembic.init_app(app)

    with app.app_context():
        assert alembic.migration_context.connection.engine is db.engine  # type: ignore[union-attr]
        (script,) = alembic.revision("init")
        assert script is not None
        assert "op.create_table('user'" in Path(script.path).read_text()
        alembic.upgrade()
        assert alembic.needs_revision() is False

    assert tables("default") == {"alembic_version", "user"}


def test_app_factory_order(
    tmp_path: Path,
    db: SQLAlchemy,
    model: type[orm.DeclarativeBase],
    sqlite_url: t.Callable[[str], str],
    tables: t.Callable[[str], set[str]],
) -> None:
    """In an app factory, Alembic may be registered before the engines are
    configured at all.
    """
    alembic = Alembic(metadatas=model.metadata)
    app = Flask(__name__, root_path=str(tmp_path))
    alembic.init_app(app)
    app.config["SQLALCHEMY_ENGINES"] = {"default": sqlite_url("factory")}
    db.init_app(app)

    try:
        with app.app_context():
            alembic.revision("init")
            alembic.upgrade()
    finally:
        with app.app_context():
            db.engine.dispose()

    assert tables("factory") == {"alembic_version", "user"}


def test_metadata_required(app: Flask, db: SQLAlchemy) -> None:
    """Without metadata passed, the first use raises RuntimeError; init_app
    does not.
    """
    db.init_app(app)
    alembic = Alembic(app)

    with app.app_context():
        with pytest.raises(RuntimeError, match="No metadata to migrate"):
            alembic.upgrade()


def test_engines_required(app: Flask, model: type[orm.DeclarativeBase]) -> None:
    """Without Flask-SQLAlchemy-Lite registered or engines passed, the first
    use raises RuntimeError.
    """
    alembic = Alembic(app, metadatas=model.metadata)

    with app.app_context():
        with pytest.raises(RuntimeError, match="No engines to migrate"):
            alembic.upgrade()


def test_passed_engines_win(
    app: Flask,
    db: SQLAlchemy,
    model: type[orm.DeclarativeBase],
    make_engine: t.Callable[..., sa.Engine],
    sqlite_url: t.Callable[[str], str],
    tables: t.Callable[[str], set[str]],
) -> None:
    """Engines passed to Alembic are used instead of db.engines."""
    db.init_app(app)
    other = make_engine(sqlite_url("other"))
    alembic = Alembic(app, metadatas=model.metadata, engines=other)

    with app.app_context():
        alembic.revision("init")
        alembic.upgrade()

    assert tables("other") == {"alembic_version", "user"}
    assert tables("default") == set()


class DefaultBase(orm.DeclarativeBase):
    pass


class AuthBase(orm.DeclarativeBase):
    pass


class Item(DefaultBase):
    __tablename__ = "item"
    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)


class Account(AuthBase):
    __tablename__ = "account"
    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)


@pytest.fixture
def multidb_app(
    tmp_path: Path, db: SQLAlchemy, sqlite_url: t.Callable[[str], str]
) -> t.Iterator[t.Callable[[bool], tuple[Flask, Alembic]]]:
    """The multiple-database setup of the docs, with two SQLite files."""
    apps: list[Flask] = []

    def make(alembic_first: bool = False) -> tuple[Flask, Alembic]:
        alembic = Alembic(
            metadatas={
                "default": DefaultBase.metadata,
                "auth": AuthBase.metadata,
            },
        )
        app = Flask(__name__, root_path=str(tmp_path))
        app.config["SQLALCHEMY_ENGINES"] = {
            "default": sqlite_url("default"),
            "auth": sqlite_url("auth"),
        }

        if alembic_first:
            alembic.init_app(app)
            db.init_app(app)
        else:
            db.init_app(app)
            alembic.init_app(app)

        apps.append(app)
        return app, alembic

    yield make

    for app in apps:
        with app.app_context():
            for engine in db.engines.values():
                engine.dispose()


@pytest.mark.parametrize(
    "alembic_first", [True, False], ids=["alembic-first", "db-first"]
)
def test_multidb(
    tmp_path: Path,
    multidb_app: t.Callable[[bool], tuple[Flask, Alembic]],
    tables: t.Callable[[str], set[str]],
    versions: t.Callable[[str], set[str]],
    alembic_first: bool,
) -> None:
    """Two databases on db.engines: the multidb template, one revision with
    functions per database, each table in its own database.
    """
    app, alembic = multidb_app(alembic_first)
    template = (tmp_path / "migrations" / "script.py.mako").read_text()
    assert "engine_name" in template

    with app.app_context():
        (script,) = alembic.revision("init")
        assert script is not None
        text = Path(script.path).read_text()
        upgrade_default = text.split("def upgrade_default")[1].split("\ndef ")[0]
        upgrade_auth = text.split("def upgrade_auth")[1].split("\ndef ")[0]
        assert "create_table('item'" in upgrade_default
        assert "create_table('account'" in upgrade_auth
        alembic.upgrade()
        assert alembic.needs_upgrade() is False
        assert alembic.compare_metadata() == {"default": [], "auth": []}

    assert tables("default") == {"alembic_version", "item"}
    assert tables("auth") == {"alembic_version", "account"}
    assert versions("default") == versions("auth") == {script.revision}


def test_multidb_cli(
    multidb_app: t.Callable[[bool], tuple[Flask, Alembic]],
    revise_and_upgrade: t.Callable[[Flask], FlaskCliRunner],
    tables: t.Callable[[str], set[str]],
) -> None:
    """flask db works across both databases: revision, upgrade, check,
    downgrade.
    """
    app, _ = multidb_app(False)
    runner = revise_and_upgrade(app)
    assert tables("auth") == {"alembic_version", "account"}
    result = runner.invoke(args=["db", "check"])
    assert (result.exit_code, result.stdout) == (0, "No changes detected.\n")
    result = runner.invoke(args=["db", "downgrade", "1"])
    assert result.exit_code == 0, result.output
    assert tables("default") == {"alembic_version"}
    assert tables("auth") == {"alembic_version"}


def test_multidb_missing_engine(
    app: Flask, db: SQLAlchemy, model: type[orm.DeclarativeBase]
) -> None:
    """A metadata name missing from SQLALCHEMY_ENGINES raises an error naming
    it, in the API and on the command line.
    """
    db.init_app(app)
    alembic = Alembic(
        app, metadatas={"default": model.metadata, "auth": AuthBase.metadata}
    )

    with app.app_context():
        with pytest.raises(RuntimeError, match="engine.*'auth'"):
            alembic.upgrade()

    result = app.test_cli_runner().invoke(args=["db", "upgrade"])
    assert result.exit_code == 1
    (line,) = result.stderr.splitlines()
    assert line.startswith("Error: ")
    assert "'auth'" in line
    assert "Traceback" not in result.output


def test_two_apps_one_extension(
    tmp_path: Path,
    db: SQLAlchemy,
    model: type[orm.DeclarativeBase],
    sqlite_url: t.Callable[[str], str],
    tables: t.Callable[[str], set[str]],
) -> None:
    """One Alembic and one Flask-SQLAlchemy-Lite serve two apps, each
    migrating its own database.
    """
    alembic = Alembic(metadatas=model.metadata)
    apps = []

    for name in ("one", "two"):
        (tmp_path / name).mkdir()
        app = Flask(__name__, root_path=str(tmp_path / name))
        app.config["SQLALCHEMY_ENGINES"] = {"default": sqlite_url(name)}
        db.init_app(app)
        alembic.init_app(app)
        apps.append(app)

    try:
        for app in apps:
            with app.app_context():
                alembic.revision("init")
                alembic.upgrade()
    finally:
        for app in apps:
            with app.app_context():
                db.engine.dispose()

    assert tables("one") == {"alembic_version", "user"}
    assert tables("two") == {"alembic_version", "user"}
    assert len(list((tmp_path / "one" / "migrations").glob("*.py"))) == 1
    assert len(list((tmp_path / "two" / "migrations").glob("*.py"))) == 1
