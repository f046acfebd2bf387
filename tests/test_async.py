"""Async engines in the core and the Flask extension: accepted shapes,
connections that never outlive their event loop, the awaitable form, and
what happens outside an operation. On aiosqlite; the dialect tests in
``tests/dialects/test_async_engines.py`` cover PostgreSQL and MariaDB.
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
import typing as t
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask
from sqlalchemy.ext.asyncio import AsyncEngine

from alembic_envkit import ConfigurationError
from alembic_envkit import Environment
from alembic_envkit import Targets
from flask_alembic import Alembic


@pytest.fixture
def async_engine(
    make_async_engine: t.Callable[..., AsyncEngine], sqlite_url: t.Callable[[str], str]
) -> AsyncEngine:
    """An aiosqlite engine on the test's ``default.sqlite``."""
    url = sqlite_url("default").replace("sqlite://", "sqlite+aiosqlite://", 1)
    return make_async_engine(url)


@pytest.mark.parametrize("shape", ["engine", "dict", "mixed"])
def test_targets_accept_async_engines(
    shape: str,
    async_engine: AsyncEngine,
    auth_engine: sa.Engine,
    metadata: sa.MetaData,
) -> None:
    """Targets take an AsyncEngine alone or in a dict, mixed with sync
    engines; the target's engine is the sync engine inside it.
    """
    if shape == "engine":
        targets = Targets(metadata, async_engine)
    elif shape == "dict":
        targets = Targets(metadata, {"default": async_engine})
    else:
        targets = Targets(
            {"default": metadata, "auth": sa.MetaData()},
            {"default": async_engine, "auth": auth_engine},
        )
        assert targets["auth"].engine is auth_engine
        assert targets["auth"].async_engine is None

    assert targets["default"].engine is async_engine.sync_engine
    assert targets["default"].async_engine is async_engine


@pytest.mark.parametrize(
    ("engines", "message"),
    [
        ({"default": "sqlite://"}, r"engines\['default'\] must be .* AsyncEngine"),
        ("sqlite://", r"'engines' must be .* \(or AsyncEngine\)"),
    ],
    ids=["dict", "value"],
)
def test_bad_engine_names_both_kinds(
    engines: t.Any, message: str, metadata: sa.MetaData
) -> None:
    """A value that is no engine is refused with a message naming both kinds
    of engine.
    """
    with pytest.raises(ConfigurationError, match=message):
        Targets(metadata, engines)


def test_connections_end_with_the_operation(
    make_env: t.Callable[..., Environment],
    make_async_engine: t.Callable[..., AsyncEngine],
    sqlite_url: t.Callable[[str], str],
    metadata: sa.MetaData,
    tables: t.Callable[[str], set[str]],
) -> None:
    """Each method opens and closes its own connections on its own event
    loop: the application's pool is never used, and nothing is left open.
    """
    # The pool aiosqlite has for a file from SQLAlchemy 2.0.38 on (before, a
    # NullPool, which counts nothing: SQLAlchemy's changelog, ticket 12285).
    url = sqlite_url("default").replace("sqlite://", "sqlite+aiosqlite://", 1)
    async_engine = make_async_engine(url, poolclass=sa.pool.AsyncAdaptedQueuePool)
    env = make_env(metadata, async_engine)
    env.revision("init")
    env.upgrade()
    assert env.needs_revision() is False
    assert tables("default") == {"alembic_version", "user"}
    pool = async_engine.sync_engine.pool
    assert pool.checkedin() == pool.checkedout() == 0


def test_alembic_objects_outside_an_operation(
    make_env: t.Callable[..., Environment], async_engine: AsyncEngine
) -> None:
    """Alembic's connected objects are refused outside an operation with an
    error that says where they work, and work inside ``run_async``.
    """
    env = make_env(sa.MetaData(), async_engine)

    with pytest.raises(ConfigurationError, match="'default' has an async engine"):
        env.migration_context  # noqa: B018

    async def main() -> tuple[str, ...]:
        return await env.run_async(lambda: env.migration_context.get_current_heads())

    assert asyncio.run(main()) == ()


def test_run_async_with_sync_engines(
    make_env: t.Callable[..., Environment],
    engine: sa.Engine,
    metadata: sa.MetaData,
    tables: t.Callable[[str], set[str]],
) -> None:
    """The awaitable form also works for sync engines, and calling the plain
    methods inside a loop stays allowed for them.
    """
    env = make_env(metadata, engine)
    env.revision("init")

    async def main() -> None:
        await env.run_async(env.upgrade)
        assert env.needs_upgrade() is False

    asyncio.run(main())
    assert tables("default") == {"alembic_version", "user"}


def test_flask_extension_takes_async_engine(
    tmp_path: Path,
    async_engine: AsyncEngine,
    metadata: sa.MetaData,
    tables: t.Callable[[str], set[str]],
) -> None:
    """``Alembic(engines=...)`` takes one AsyncEngine, and ``flask db``
    upgrades it.
    """
    app = Flask(__name__, root_path=str(tmp_path))
    alembic = Alembic(app, metadatas=metadata, engines=async_engine)

    with app.app_context():
        alembic.revision("init")

    result = app.test_cli_runner().invoke(args=["db", "upgrade"])
    assert result.exit_code == 0, result.output
    assert tables("default") == {"alembic_version", "user"}

    with app.app_context():
        assert alembic.needs_upgrade() is False


def test_import_is_sync_only() -> None:
    """Importing the packages loads neither SQLAlchemy's asyncio extension
    nor greenlet.
    """
    # SQLAlchemy before 2.1 imports greenlet itself, when it is installed: only
    # what the packages add to what ``import sqlalchemy`` loads counts.
    code = (
        "import sys, sqlalchemy;"
        " watched = {'greenlet', 'sqlalchemy.ext.asyncio'};"
        " before = watched & set(sys.modules);"
        " import alembic_envkit, flask_alembic;"
        " loaded = (watched & set(sys.modules)) - before;"
        " assert not loaded, loaded"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr


def test_testing_checks(
    make_env: t.Callable[..., Environment],
    async_engine: AsyncEngine,
    metadata: sa.MetaData,
) -> None:
    """The checks of the pytest plugin run on an async engine, each as one
    operation that reads the schema on its own connections.
    """
    from alembic_envkit.testing import check_no_drift
    from alembic_envkit.testing import check_stairway
    from alembic_envkit.testing import check_upgrade

    env = make_env(metadata, async_engine)
    env.revision("init")
    check_upgrade(env)
    env.downgrade("base")
    check_stairway(env)
    env.downgrade("base")
    check_no_drift(env)


def test_in_memory_database_is_kept(
    make_env: t.Callable[..., Environment],
    make_async_engine: t.Callable[..., AsyncEngine],
    metadata: sa.MetaData,
) -> None:
    """An in-memory aiosqlite database keeps its one connection between
    calls, so what one call migrated the next one sees.
    """
    env = make_env(metadata, make_async_engine("sqlite+aiosqlite://"))
    env.revision("init")
    env.upgrade()
    assert env.needs_upgrade() is False
    assert env.needs_revision() is False
