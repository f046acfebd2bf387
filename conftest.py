"""Fixtures shared by every test folder in the workspace."""

from __future__ import annotations

import asyncio
import importlib.metadata
import os
import typing as t
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa
import sqlalchemy.orm as orm

from alembic_envkit import Environment
from alembic_envkit import Settings
from alembic_envkit import Targets

if t.TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncEngine


@pytest.fixture
def make_engine() -> t.Iterator[t.Callable[..., sa.Engine]]:
    """Create engines that are disposed when the test ends."""
    engines: list[sa.Engine] = []

    def make(url: str | sa.URL, **kwargs: t.Any) -> sa.Engine:
        engine = sa.create_engine(url, **kwargs)
        engines.append(engine)
        return engine

    yield make

    for engine in engines:
        engine.dispose()


@pytest.fixture
def make_async_engine() -> t.Iterator[t.Callable[..., AsyncEngine]]:
    """Create async engines that are disposed on an event loop when the test
    ends.
    """
    from sqlalchemy.ext.asyncio import create_async_engine

    engines: list[AsyncEngine] = []

    def make(url: str | sa.URL, **kwargs: t.Any) -> AsyncEngine:
        engine = create_async_engine(url, **kwargs)
        engines.append(engine)
        return engine

    yield make

    for engine in engines:
        asyncio.run(engine.dispose())


@pytest.fixture
def sqlite_url(tmp_path: Path) -> t.Callable[[str], str]:
    """URL of an SQLite file with the given name in the test's temporary
    folder.
    """

    def url(name: str = "default") -> str:
        return f"sqlite:///{tmp_path / name}.sqlite"

    return url


@pytest.fixture
def engine(
    make_engine: t.Callable[..., sa.Engine], sqlite_url: t.Callable[[str], str]
) -> sa.Engine:
    """An engine for the test's ``default.sqlite`` file."""
    return make_engine(sqlite_url("default"))


@pytest.fixture
def auth_engine(
    make_engine: t.Callable[..., sa.Engine], sqlite_url: t.Callable[[str], str]
) -> sa.Engine:
    """An engine for the test's ``auth.sqlite`` file."""
    return make_engine(sqlite_url("auth"))


@pytest.fixture
def tables(
    make_engine: t.Callable[..., sa.Engine], sqlite_url: t.Callable[[str], str]
) -> t.Callable[[str], set[str]]:
    """The tables in one of the test's SQLite files, read with an engine of
    its own.
    """

    def names(name: str = "default") -> set[str]:
        return set(sa.inspect(make_engine(sqlite_url(name))).get_table_names())

    return names


@pytest.fixture
def versions(
    make_engine: t.Callable[..., sa.Engine], sqlite_url: t.Callable[[str], str]
) -> t.Callable[[str], set[str]]:
    """The revision ids in ``alembic_version`` of one of the test's SQLite
    files.
    """

    def rows(name: str = "default") -> set[str]:
        with make_engine(sqlite_url(name)).connect() as conn:
            result = conn.execute(sa.text("select version_num from alembic_version"))
            return {row[0] for row in result}

    return rows


@pytest.fixture
def metadata() -> sa.MetaData:
    """Metadata with one ``user`` table."""
    md = sa.MetaData()
    sa.Table(
        "user",
        md,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(50)),
    )
    return md


@pytest.fixture
def model() -> type[orm.DeclarativeBase]:
    """A declarative base with a ``user`` model."""

    class Model(orm.DeclarativeBase):
        pass

    # No annotations: they would be evaluated in this module, which importlib
    # mode leaves out of sys.modules.
    class User(Model):
        __tablename__ = "user"
        id = orm.mapped_column(sa.Integer, primary_key=True)
        name = orm.mapped_column(sa.String(50), nullable=False)

    return Model


# Database servers. Tests that take the `database_url` fixture run once per
# dialect: on an SQLite file always, and on PostgreSQL and MariaDB when their
# servers answer. Each test gets a database of its own, dropped afterwards.

SERVER_URLS = {
    "postgresql": os.environ.get(
        "ENVKIT_TEST_POSTGRESQL_URL",
        "postgresql+psycopg://postgres@127.0.0.1:5432/test",
    ),
    "mariadb": os.environ.get(
        "ENVKIT_TEST_MARIADB_URL", "mysql+pymysql://root@127.0.0.1:3306/test"
    ),
}
DIALECTS = ["sqlite", *SERVER_URLS]
_unreachable: dict[str, str] = {}
_ON = ("1", "true", "yes", "on")
_OFF = ("", "0", "false", "no", "off")


def _servers_required() -> bool:
    """Whether ``ENVKIT_REQUIRE_SERVERS`` is on: a missing server or
    command-line client then fails the tests that need it instead of
    skipping them.
    """
    value = os.environ.get("ENVKIT_REQUIRE_SERVERS", "").strip().lower()

    if value in _ON:
        return True

    if value in _OFF:
        return False

    raise pytest.UsageError(
        f"ENVKIT_REQUIRE_SERVERS={value!r} is not a boolean; set it to 1, true"
        " or yes to turn the requirement on, or 0, false, no or nothing to turn"
        " it off."
    )


def pytest_configure(config: pytest.Config) -> None:
    _servers_required()  # A bad value stops the run before any test.


#: The runtime dependencies that the packages declare, shown in the header.
_DEPENDENCIES = (
    "alembic",
    "sqlalchemy",
    "click",
    "flask",
    "flask-sqlalchemy",
    "flask-sqlalchemy-lite",
)


def pytest_report_header() -> str:
    """The versions of the dependencies the run tests against."""
    found = []

    for name in _DEPENDENCIES:
        try:
            found.append(f"{name} {importlib.metadata.version(name)}")
        except importlib.metadata.PackageNotFoundError:
            pass

    return "dependencies: " + ", ".join(found)


def _unavailable(message: str) -> t.NoReturn:
    if _servers_required():
        pytest.fail(message)

    pytest.skip(message)


@pytest.fixture
def unavailable() -> t.Callable[[str], t.NoReturn]:
    """Skip the test because something it needs (a server, a command-line
    client, a server setting) is missing; fail it instead when
    ``ENVKIT_REQUIRE_SERVERS`` is on.
    """
    return _unavailable


def _server_admin(dialect: str) -> sa.Engine:
    """An engine on the server's configured database, to create and drop
    test databases with.
    """
    return sa.create_engine(
        SERVER_URLS[dialect], isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool
    )


def _require_server(dialect: str) -> None:
    if dialect not in _unreachable:
        engine = _server_admin(dialect)

        try:
            with engine.connect():
                pass
        except Exception as e:
            reason = str(e).strip().splitlines()[0]
            _unreachable[dialect] = reason
        else:
            _unreachable[dialect] = ""
        finally:
            engine.dispose()

    if reason := _unreachable[dialect]:
        url = sa.make_url(SERVER_URLS[dialect]).render_as_string(hide_password=True)
        message = (
            f"{dialect} server not reachable at {url} ({reason}). Start it, or set"
            f" ENVKIT_TEST_{dialect.upper()}_URL to a server where databases may be"
            " created and dropped."
        )

        _unavailable(message)


@pytest.fixture(params=DIALECTS)
def dialect(request: pytest.FixtureRequest) -> str:
    """The dialect a database-facing test runs on; its id names it."""
    if request.param != "sqlite":
        _require_server(request.param)

    return str(request.param)


@pytest.fixture
def any_database(tmp_path: Path) -> t.Iterator[t.Callable[[str, str], sa.URL]]:
    """Make URLs of fresh, empty databases on any dialect, given as
    ``(dialect, name)``; server databases are dropped when the test ends.
    A missing server skips the test (fails it in CI).
    """
    created: list[tuple[str, str]] = []
    prefix = f"envkit_{uuid.uuid4().hex[:12]}"

    def make(dialect: str, name: str = "default") -> sa.URL:
        if dialect == "sqlite":
            return sa.make_url(f"sqlite:///{tmp_path / name}.sqlite")

        _require_server(dialect)
        db_name = f"{prefix}_{name}"
        engine = _server_admin(dialect)

        try:
            with engine.connect() as conn:
                conn.exec_driver_sql(f"CREATE DATABASE {db_name}")
        finally:
            engine.dispose()

        created.append((dialect, db_name))
        return sa.make_url(SERVER_URLS[dialect]).set(database=db_name)

    yield make

    for dialect, db_name in created:
        engine = _server_admin(dialect)
        force = " WITH (FORCE)" if dialect == "postgresql" else ""

        try:
            with engine.connect() as conn:
                conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {db_name}{force}")
        finally:
            engine.dispose()


@pytest.fixture
def database_url(
    dialect: str, any_database: t.Callable[[str, str], sa.URL]
) -> t.Callable[[str], sa.URL]:
    """Make URLs of fresh, empty databases on the test's dialect, each dropped
    when the test ends.
    """
    return lambda name="default": any_database(dialect, name)


@pytest.fixture
def make_env(
    tmp_path: Path,
    any_database: t.Callable[[str, str], sa.URL],
    make_engine: t.Callable[..., sa.Engine],
) -> t.Iterator[t.Callable[..., Environment]]:
    """Build environments rooted at the test's folder. They are closed before
    the engines are disposed and any server database dropped.
    """
    envs: list[Environment] = []

    def make(
        metadatas: t.Any,
        engines: t.Any,
        options: t.Mapping[str, t.Any] | None = None,
        context: t.Mapping[str, t.Any] | None = None,
        **kwargs: t.Any,
    ) -> Environment:
        settings = Settings.from_mappings(options, context, root=tmp_path)
        env = Environment(settings, Targets(metadatas, engines), **kwargs)
        envs.append(env)
        return env

    yield make

    for env in envs:
        env.close()
