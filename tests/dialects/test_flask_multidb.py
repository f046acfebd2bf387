"""Several databases across dialects through the Flask extension, as the
reference "Multiple Databases" setup: Flask-SQLAlchemy-Lite engines and
Flask-SQLAlchemy binds, one revision with a function per database.
"""

from __future__ import annotations

import typing as t
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask
from flask_sqlalchemy import SQLAlchemy as FSA
from flask_sqlalchemy_lite import SQLAlchemy as Lite
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column

from flask_alembic import Alembic

MakeUrl: t.TypeAlias = t.Callable[[str, str], sa.URL]


def _url(url: sa.URL) -> str:
    return url.render_as_string(hide_password=False)


def _tables(url: sa.URL) -> set[str]:
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)

    try:
        return set(sa.inspect(engine).get_table_names())
    finally:
        engine.dispose()


def _versions(
    url: sa.URL, table: str = "alembic_version", schema: str | None = None
) -> set[str]:
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    version = sa.table(table, sa.column("version_num"), schema=schema)

    try:
        with engine.connect() as conn:
            return {r[0] for r in conn.execute(sa.select(version.c.version_num))}
    finally:
        engine.dispose()


@pytest.fixture
def apps(any_database: MakeUrl) -> t.Iterator[list[Flask]]:
    """Apps made by a test; their engines are disposed before the databases
    are dropped.
    """
    made: list[Flask] = []
    yield made

    for app in made:
        with app.app_context():
            for engine in app.extensions["sqlalchemy"].engines.values():
                engine.dispose()


@pytest.mark.parametrize("auth_dialect", ["postgresql", "mariadb"])
def test_lite_sqlite_and_server(
    auth_dialect: str, any_database: MakeUrl, apps: list[Flask], tmp_path: Path
) -> None:
    """A default SQLite database and an auth server database reach head from
    one revision with a function for each.
    """

    class DefaultBase(DeclarativeBase):
        pass

    class AuthBase(DeclarativeBase):
        pass

    class Post(DefaultBase):
        __tablename__ = "post"
        id: Mapped[int] = mapped_column(primary_key=True)

    class Account(AuthBase):
        __tablename__ = "account"
        id: Mapped[int] = mapped_column(primary_key=True)
        email: Mapped[str] = mapped_column(sa.String(120), unique=True)

    default_url = any_database("sqlite", "default")
    auth_url = any_database(auth_dialect, "auth")
    db = Lite()
    alembic = Alembic(
        metadatas={"default": DefaultBase.metadata, "auth": AuthBase.metadata}
    )
    app = Flask(__name__, root_path=str(tmp_path))
    app.config["SQLALCHEMY_ENGINES"] = {
        "default": _url(default_url),
        "auth": _url(auth_url),
    }
    db.init_app(app)
    alembic.init_app(app)
    apps.append(app)

    with app.app_context():
        (script,) = alembic.revision("init")
        assert script is not None
        text = Path(script.path).read_text()
        assert "def upgrade_default()" in text and "def upgrade_auth()" in text
        alembic.upgrade()
        current = alembic.current_by_database()
        assert {n: [s.revision for s in c] for n, c in current.items()} == {
            "default": [script.revision],
            "auth": [script.revision],
        }
        assert not alembic.needs_revision()

    result = app.test_cli_runner().invoke(args=["db", "current"])
    assert result.exit_code == 0, result.output
    assert f"default: <base> -> {script.revision}" in result.stdout
    assert f"auth: <base> -> {script.revision}" in result.stdout
    assert _tables(default_url) == {"alembic_version", "post"}
    assert _tables(auth_url) == {"alembic_version", "account"}


def test_fsa_binds_across_three_dialects(
    any_database: MakeUrl, apps: list[Flask], tmp_path: Path
) -> None:
    """Flask-SQLAlchemy binds on SQLite, PostgreSQL and MariaDB migrate
    together, each table in its own database.
    """
    urls = {
        "default": any_database("sqlite", "default"),
        "auth": any_database("postgresql", "auth"),
        "audit": any_database("mariadb", "audit"),
    }
    db = FSA()

    class Post(db.Model):  # type: ignore[name-defined,misc]
        __tablename__ = "post"
        id = sa.Column(sa.Integer, primary_key=True)

    class Account(db.Model):  # type: ignore[name-defined,misc]
        __tablename__ = "account"
        __bind_key__ = "auth"
        id = sa.Column(sa.Integer, primary_key=True)

    class Event(db.Model):  # type: ignore[name-defined,misc]
        __tablename__ = "event"
        __bind_key__ = "audit"
        id = sa.Column(sa.Integer, primary_key=True)
        at = sa.Column(sa.DateTime, server_default=sa.func.now())

    alembic = Alembic(
        metadatas={
            "default": db.metadata,
            "auth": db.metadatas["auth"],
            "audit": db.metadatas["audit"],
        }
    )
    app = Flask(__name__, root_path=str(tmp_path))
    app.config["SQLALCHEMY_DATABASE_URI"] = _url(urls["default"])
    app.config["SQLALCHEMY_BINDS"] = {
        "auth": _url(urls["auth"]),
        "audit": _url(urls["audit"]),
    }
    db.init_app(app)
    alembic.init_app(app)
    apps.append(app)

    with app.app_context():
        (script,) = alembic.revision("init")
        assert script is not None
        alembic.upgrade()
        assert not alembic.needs_upgrade()
        assert alembic.compare_metadata() == {"default": [], "auth": [], "audit": []}

    for name, table in [("default", "post"), ("auth", "account"), ("audit", "event")]:
        assert _tables(urls[name]) == {"alembic_version", table}
        assert _versions(urls[name]) == {script.revision}

    result = app.test_cli_runner().invoke(args=["db", "check"])
    assert result.exit_code == 0, result.output
    assert result.stdout == "No changes detected.\n"


def test_version_table_per_database(
    any_database: MakeUrl, apps: list[Flask], tmp_path: Path
) -> None:
    """version_table applies to every database; version_table_schema only to
    the PostgreSQL one it is configured for.
    """
    default_url = any_database("sqlite", "default")
    auth_url = any_database("postgresql", "auth")
    admin = sa.create_engine(auth_url, poolclass=sa.pool.NullPool)

    with admin.begin() as conn:
        conn.exec_driver_sql("CREATE SCHEMA audit")

    admin.dispose()
    default_md = sa.MetaData()
    sa.Table("post", default_md, sa.Column("id", sa.Integer, primary_key=True))
    auth_md = sa.MetaData()
    sa.Table("account", auth_md, sa.Column("id", sa.Integer, primary_key=True))
    db = Lite()
    alembic = Alembic(metadatas={"default": default_md, "auth": auth_md})
    app = Flask(__name__, root_path=str(tmp_path))
    app.config["SQLALCHEMY_ENGINES"] = {
        "default": _url(default_url),
        "auth": _url(auth_url),
    }
    app.config["ALEMBIC_CONTEXT"] = {
        "version_table": "schema_versions",
        "databases": {"auth": {"version_table_schema": "audit"}},
    }
    db.init_app(app)
    alembic.init_app(app)
    apps.append(app)

    with app.app_context():
        (script,) = alembic.revision("init")
        assert script is not None
        alembic.upgrade()
        assert not alembic.needs_upgrade()
        assert alembic.compare_metadata() == {"default": [], "auth": []}

    assert _versions(default_url, "schema_versions") == {script.revision}
    assert _versions(auth_url, "schema_versions", schema="audit") == {script.revision}
    assert "schema_versions" not in _tables(auth_url)
    assert "alembic_version" not in _tables(default_url)
