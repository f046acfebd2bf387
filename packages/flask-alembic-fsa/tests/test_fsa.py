"""Flask-Alembic with Flask-SQLAlchemy: db.engine and db.metadata by
default, binds with a metadatas dict, in either order of init_app.
"""

from __future__ import annotations

import typing as t
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask
from flask_sqlalchemy import SQLAlchemy

from flask_alembic import Alembic


@pytest.fixture
def auth_model(db: SQLAlchemy) -> type[t.Any]:
    """An ``account`` model on the ``auth`` bind."""

    class Account(db.Model):  # type: ignore[name-defined,misc]
        __bind_key__ = "auth"
        id = sa.Column(sa.Integer, primary_key=True)

    return Account


@pytest.fixture
def binds(app: Flask, sqlite_url: t.Callable[[str], str]) -> None:
    """Configure an ``auth`` bind on its own SQLite file."""
    app.config["SQLALCHEMY_BINDS"] = {"auth": sqlite_url("auth")}


@pytest.mark.parametrize(
    "alembic_first", [True, False], ids=["alembic-first", "db-first"]
)
@pytest.mark.usefixtures("user_model")
def test_default_engine_and_metadata(
    app: Flask,
    db: SQLAlchemy,
    tables: t.Callable[[str], set[str]],
    alembic_first: bool,
) -> None:
    """db.engine and db.metadata are used automatically, whichever extension
    is registered first.
    """
    alembic = Alembic()

    if alembic_first:
        alembic.init_app(app)
        db.init_app(app)
    else:
        db.init_app(app)
        alembic.init_app(app)

    with app.app_context():
        assert alembic.migration_context.opts["target_metadata"] is db.metadata
        assert alembic.migration_context.connection.engine is db.engine  # type: ignore[union-attr]
        (script,) = alembic.revision("init")
        assert script is not None
        assert "op.create_table('user'" in Path(script.path).read_text()
        alembic.upgrade()
        assert alembic.compare_metadata() == []

    assert tables("default") == {"alembic_version", "user"}


@pytest.mark.usefixtures("user_model")
def test_app_factory_order(
    tmp_path: Path,
    db: SQLAlchemy,
    sqlite_url: t.Callable[[str], str],
    tables: t.Callable[[str], set[str]],
) -> None:
    """In an app factory, Alembic may be registered before the database is
    configured at all.
    """
    alembic = Alembic()
    app = Flask(__name__, root_path=str(tmp_path))
    alembic.init_app(app)
    app.config["SQLALCHEMY_DATABASE_URI"] = sqlite_url("factory")
    db.init_app(app)

    try:
        with app.app_context():
            alembic.revision("init")
            alembic.upgrade()
    finally:
        with app.app_context():
            db.engine.dispose()

    assert tables("factory") == {"alembic_version", "user"}


def test_no_sqlalchemy_error(app: Flask, db: SQLAlchemy) -> None:
    """Using Alembic before Flask-SQLAlchemy is registered raises
    RuntimeError; it works once it is.
    """
    alembic = Alembic(app)

    with app.app_context():
        with pytest.raises(RuntimeError, match="No metadata to migrate"):
            alembic.upgrade()

    db.init_app(app)

    with app.app_context():
        assert alembic.current() == ()


@pytest.mark.usefixtures("user_model", "auth_model", "binds")
def test_binds_not_used_implicitly(
    app: Flask, db: SQLAlchemy, tables: t.Callable[[str], set[str]]
) -> None:
    """Without metadatas, only the default bind is migrated: db.metadatas
    is never used implicitly.
    """
    db.init_app(app)
    alembic = Alembic(app)
    template = (Path(app.root_path) / "migrations" / "script.py.mako").read_text()
    assert "engine_name" not in template

    with app.app_context():
        assert list(alembic.migration_contexts) == ["default"]
        alembic.revision("init")
        alembic.upgrade()

    assert tables("default") == {"alembic_version", "user"}
    assert tables("auth") == set()


@pytest.mark.parametrize(
    "alembic_first", [True, False], ids=["alembic-first", "db-first"]
)
@pytest.mark.usefixtures("binds")
def test_binds_multidb(
    app: Flask,
    db: SQLAlchemy,
    user_model: type,
    auth_model: type,
    tables: t.Callable[[str], set[str]],
    versions: t.Callable[[str], set[str]],
    alembic_first: bool,
) -> None:
    """A metadatas dict keyed by bind migrates each bind on db.engines: one
    revision with functions per database, each table in its own database.
    """
    alembic = Alembic(metadatas={"default": db.metadata, "auth": db.metadatas["auth"]})

    if alembic_first:
        alembic.init_app(app)
        db.init_app(app)
    else:
        db.init_app(app)
        alembic.init_app(app)

    template = (Path(app.root_path) / "migrations" / "script.py.mako").read_text()
    assert "engine_name" in template

    with app.app_context():
        contexts = alembic.migration_contexts
        assert contexts["default"].connection.engine is db.engines[None]  # type: ignore[union-attr]
        assert contexts["auth"].connection.engine is db.engines["auth"]  # type: ignore[union-attr]
        (script,) = alembic.revision("init")
        assert script is not None
        text = Path(script.path).read_text()
        upgrade_default = text.split("def upgrade_default")[1].split("\ndef ")[0]
        upgrade_auth = text.split("def upgrade_auth")[1].split("\ndef ")[0]
        assert "create_table('user'" in upgrade_default
        assert "create_table('account'" in upgrade_auth
        assert "account" not in upgrade_default
        assert "'user'" not in upgrade_auth
        alembic.upgrade()
        assert alembic.needs_upgrade() is False
        assert alembic.needs_revision() is False

    assert tables("default") == {"alembic_version", "user"}
    assert tables("auth") == {"alembic_version", "account"}
    assert versions("default") == versions("auth") == {script.revision}


@pytest.mark.usefixtures("binds", "user_model", "auth_model")
def test_binds_missing_engine(app: Flask, db: SQLAlchemy) -> None:
    """A metadata name with no bind raises an error naming it."""
    other = sa.MetaData()
    sa.Table("other", other, sa.Column("id", sa.Integer, primary_key=True))
    db.init_app(app)
    alembic = Alembic(app, metadatas={"default": db.metadata, "reports": other})

    with app.app_context():
        with pytest.raises(RuntimeError, match="engine.*'reports'"):
            alembic.upgrade()


@pytest.mark.usefixtures("binds", "user_model", "auth_model")
def test_binds_cli(
    app: Flask,
    db: SQLAlchemy,
    tables: t.Callable[[str], set[str]],
) -> None:
    """flask db revision and upgrade work on Flask-SQLAlchemy binds, and
    current shows each database.
    """
    db.init_app(app)
    Alembic(app, metadatas={"default": db.metadata, "auth": db.metadatas["auth"]})
    runner = app.test_cli_runner()
    result = runner.invoke(args=["db", "revision", "init"])
    assert result.exit_code == 0, result.output
    result = runner.invoke(args=["db", "upgrade"])
    assert result.exit_code == 0, result.output
    assert tables("auth") == {"alembic_version", "account"}
    result = runner.invoke(args=["db", "current"])
    assert result.exit_code == 0, result.output
    assert sorted(line.split(":")[0] for line in result.stdout.splitlines()) == [
        "auth",
        "default",
    ]
    result = runner.invoke(args=["db", "check"])
    assert (result.exit_code, result.stdout) == (0, "No changes detected.\n")


def test_two_apps_one_db(
    tmp_path: Path,
    db: SQLAlchemy,
    user_model: type,
    sqlite_url: t.Callable[[str], str],
    tables: t.Callable[[str], set[str]],
) -> None:
    """One Alembic and one Flask-SQLAlchemy serve two apps, each migrating
    its own database from its own folder.
    """
    alembic = Alembic()
    apps = []

    for name in ("one", "two"):
        (tmp_path / name).mkdir()
        app = Flask(__name__, root_path=str(tmp_path / name))
        app.config["SQLALCHEMY_DATABASE_URI"] = sqlite_url(name)
        db.init_app(app)
        alembic.init_app(app)
        apps.append(app)

    try:
        with apps[0].app_context():
            alembic.revision("init")
            alembic.upgrade()

        with apps[1].app_context():
            assert alembic.heads() == ()
            assert alembic.needs_revision() is True
    finally:
        for app in apps:
            with app.app_context():
                db.engine.dispose()

    assert tables("one") == {"alembic_version", "user"}
    assert tables("two") == set()
    assert len(list((tmp_path / "one" / "migrations").glob("*.py"))) == 1
    assert list((tmp_path / "two" / "migrations").glob("*.py")) == []
