"""Async engines migrate like sync ones, on every dialect: aiosqlite, asyncpg
and aiomysql, through the Python API and through ``flask db`` on a
Flask-SQLAlchemy-Lite app configured only with ``SQLALCHEMY_ASYNC_ENGINES``.
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
import typing as t
from dataclasses import dataclass
from pathlib import Path

import pytest
import sqlalchemy as sa
import sqlalchemy.orm as orm
from flask import Flask
from flask_sqlalchemy_lite import SQLAlchemy
from sqlalchemy.ext.asyncio import AsyncEngine

from alembic_envkit import Environment
from alembic_envkit import EventLoopError
from alembic_envkit import LockError
from alembic_envkit import MigrationError
from alembic_envkit import RevisionError
from alembic_envkit.run.dialects import acquire
from flask_alembic import Alembic

Tables: t.TypeAlias = t.Callable[..., set[str]]

#: The async driver tested on each dialect.
ASYNC_DRIVERS = {
    "sqlite": "sqlite+aiosqlite",
    "postgresql": "postgresql+asyncpg",
    "mariadb": "mysql+aiomysql",
}


@dataclass
class Database:
    """One fresh database, reached through a sync and an async engine."""

    url: sa.URL
    async_url: sa.URL
    sync: sa.Engine
    engine: AsyncEngine


@pytest.fixture
def make_database(
    dialect: str,
    database_url: t.Callable[[str], sa.URL],
    make_engine: t.Callable[..., sa.Engine],
    make_async_engine: t.Callable[..., AsyncEngine],
) -> t.Callable[[str], Database]:
    """Make fresh databases on the test's dialect, each with a sync engine to
    look at it and an async engine to migrate it.
    """

    def make(name: str = "default") -> Database:
        url = database_url(name)
        async_url = url.set(drivername=ASYNC_DRIVERS[dialect])
        return Database(url, async_url, make_engine(url), make_async_engine(async_url))

    return make


@pytest.fixture
def db(make_database: t.Callable[[str], Database]) -> Database:
    """The test's default database."""
    return make_database("default")


@pytest.fixture
def history(revisions: t.Any) -> None:
    """Revisions r1 and r2, creating the tables ``one`` and ``two``."""
    revisions.write(
        "r1",
        None,
        "op.create_table('one', sa.Column('id', sa.Integer, primary_key=True))",
        "op.drop_table('one')",
    )
    revisions.write(
        "r2",
        "r1",
        "op.create_table('two', sa.Column('id', sa.Integer, primary_key=True))",
        "op.drop_table('two')",
    )


@pytest.fixture
def env(
    history: None, make_env: t.Callable[..., Environment], db: Database
) -> Environment:
    """An environment migrating the default database through its async
    engine, with the history r1 -> r2.
    """
    return make_env(sa.MetaData(), db.engine)


def test_upgrade_downgrade(
    env: Environment, db: Database, tables: Tables, versions: Tables
) -> None:
    """Upgrade and downgrade on an async engine change the schema and the
    version table as on a sync one.
    """
    env.upgrade("r1")
    assert tables(db.sync) == {"alembic_version", "one"}
    assert versions(db.sync) == {"r1"}
    env.upgrade()
    assert tables(db.sync) == {"alembic_version", "one", "two"}
    assert [s.revision for s in env.current()] == ["r2"]
    assert env.needs_upgrade() is False
    env.downgrade(-1)
    assert versions(db.sync) == {"r1"}
    env.downgrade("base")
    assert tables(db.sync) == {"alembic_version"}
    assert env.current() == ()


def test_current_heads_stamp(
    env: Environment, db: Database, tables: Tables, versions: Tables
) -> None:
    """current, heads, plan and stamp read and write the version table
    through the async engine, without running revisions.
    """
    assert [s.revision for s in env.heads()] == ["r2"]
    assert env.needs_upgrade() is True
    assert [s.revision for s in env.plan()["default"]] == ["r1", "r2"]
    env.stamp("r2")
    assert versions(db.sync) == {"r2"}
    assert tables(db.sync) == {"alembic_version"}
    assert [s.revision for s in env.current()] == ["r2"]
    env.stamp("base")
    assert versions(db.sync) == set()


def test_autogenerate_and_check(
    make_env: t.Callable[..., Environment],
    db: Database,
    metadata: sa.MetaData,
    tables: Tables,
) -> None:
    """check reports the drift, revision autogenerates the missing table, and
    after the upgrade check passes.
    """
    env = make_env(metadata, db.engine)
    assert env.needs_revision() is True
    assert [d[0] for d in env.check()["default"]] == ["add_table"]
    (script,) = env.revision("add user")
    assert script is not None
    assert "op.create_table('user'" in Path(script.path).read_text()
    env.upgrade()
    assert tables(db.sync) == {"alembic_version", "user"}
    assert env.check() == {"default": []}
    assert env.compare_metadata() == []
    assert env.needs_revision() is False


def test_failed_revision_rolls_back(
    make_env: t.Callable[..., Environment],
    db: Database,
    revisions: t.Any,
    tables: Tables,
    versions: Tables,
) -> None:
    """A failing revision on an async engine is rolled back to the last
    revision that finished, and the error names the database and revision.
    """
    revisions.write(
        "r1",
        None,
        "op.create_table('one', sa.Column('id', sa.Integer))",
        "op.drop_table('one')",
    )
    revisions.write(
        "r2",
        "r1",
        "op.create_table('half', sa.Column('id', sa.Integer))\n"
        "raise RuntimeError('boom in r2')",
        "op.drop_table('half')",
    )
    env = make_env(sa.MetaData(), db.engine)

    with pytest.raises(MigrationError, match="'default', upgrade of revision r2.*boom"):
        env.upgrade()

    assert versions(db.sync) == {"r1"}

    if db.sync.dialect.name in ("mysql", "mariadb"):
        # MariaDB commits each DDL statement, and says so on the next run.
        with pytest.raises(RevisionError, match="middle of the upgrade of revision r2"):
            env.upgrade()
    else:
        assert tables(db.sync) == {"alembic_version", "one"}


@pytest.mark.usefixtures("history")
def test_lock_timeout(
    make_env: t.Callable[..., Environment], db: Database, versions: Tables
) -> None:
    """An async runner waits for the lock a sync runner holds on the same
    database, and gives up with a clear error.
    """
    env = make_env(sa.MetaData(), db.engine, {"lock_timeout": 0.5})
    held = acquire("default", db.sync, "alembic_version", None, 5)
    assert held is not None

    try:
        with pytest.raises(LockError, match="Timed out after 0.5s .* 'default'"):
            env.upgrade()
    finally:
        held.release()

    env.upgrade()
    assert versions(db.sync) == {"r2"}


WORKER = """\
import sys
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import create_async_engine
from alembic_envkit import Environment, Settings, Targets

url, root = sys.argv[1:3]
engine = create_async_engine(url)
settings = Settings.from_mappings({"lock_timeout": 120}, root=root)
env = Environment(settings, Targets(sa.MetaData(), engine))

try:
    env.upgrade()
finally:
    arrive("done")
"""


def test_concurrent_processes(
    db: Database,
    revisions: t.Any,
    race: t.Callable[[int], t.Any],
    tmp_path: Path,
    make_engine: t.Any,
) -> None:
    """Four processes upgrading through async engines at once all succeed,
    and each revision runs exactly once: the first to get the lock runs r1
    while the three others are refused it.
    """
    barrier = race(4)
    revisions.write(
        "r1",
        None,
        barrier.inside + "op.create_table('runs', sa.Column('rev', sa.String(10)))\n"
        "op.execute(\"INSERT INTO runs (rev) VALUES ('r1')\")",
        "op.drop_table('runs')",
    )
    revisions.write("r2", "r1", "op.execute(\"INSERT INTO runs (rev) VALUES ('r2')\")")
    worker = tmp_path / "worker.py"
    worker.write_text(barrier.start + WORKER)
    url = db.async_url.render_as_string(hide_password=False)
    args = [sys.executable, str(worker), url, str(tmp_path)]
    running = [
        subprocess.Popen(args, stderr=subprocess.PIPE, text=True) for _ in range(4)
    ]
    errors = [p.communicate(timeout=300)[1] for p in running]
    assert [p.returncode for p in running] == [0] * 4, errors

    with db.sync.connect() as conn:
        rows = conn.execute(sa.text("SELECT rev FROM runs ORDER BY rev")).all()

    assert [r[0] for r in rows] == ["r1", "r2"]
    assert (barrier.arrived("inside"), barrier.arrived("waiting")) == (1, 3)


def test_multidb_mixed(
    make_env: t.Callable[..., Environment],
    make_database: t.Callable[[str], Database],
    metadata: sa.MetaData,
    tmp_path: Path,
    tables: Tables,
    versions: Tables,
) -> None:
    """An async engine and a sync engine migrate together: one autogenerated
    multidb revision, upgraded and downgraded on both, checked clean.
    """
    default = make_database("default")
    auth = make_database("auth")
    auth_md = sa.MetaData()
    sa.Table("account", auth_md, sa.Column("id", sa.Integer, primary_key=True))
    env = make_env(
        {"default": metadata, "auth": auth_md},
        {"default": default.engine, "auth": auth.sync},
    )
    assert env.needs_revision() is True
    (script,) = env.revision("init")
    assert script is not None
    text = Path(script.path).read_text()
    assert "create_table('user'" in text.split("def upgrade_default")[1]
    assert "create_table('account'" in text.split("def upgrade_auth")[1]
    env.upgrade()
    assert tables(default.sync) == {"alembic_version", "user"}
    assert tables(auth.sync) == {"alembic_version", "account"}
    assert env.check() == {"default": [], "auth": []}
    assert {
        n: [s.revision for s in c] for n, c in env.current_by_database().items()
    } == {
        "default": [script.revision],
        "auth": [script.revision],
    }
    env.downgrade("base")
    assert tables(default.sync) == tables(auth.sync) == {"alembic_version"}


def test_multidb_mixed_failure(
    make_env: t.Callable[..., Environment],
    make_database: t.Callable[[str], Database],
    revisions: t.Any,
    tables: Tables,
    versions: Tables,
) -> None:
    """A failure on the sync database rolls back the async one too, on
    databases with transactional DDL: every transaction is opened first.
    """
    default = make_database("default")
    auth = make_database("auth")
    env = make_env(
        {"default": sa.MetaData(), "auth": sa.MetaData()},
        {"default": default.engine, "auth": auth.sync},
        {"transaction_mode": "run"},
    )
    revisions.write_multidb("r1", None, "raise RuntimeError('boom in auth')")

    with pytest.raises(MigrationError, match="database 'auth'.*boom in auth"):
        env.upgrade()

    if default.sync.dialect.name not in ("mysql", "mariadb"):
        assert "d_r1" not in tables(default.sync)
        assert versions(default.sync) == set()
        assert tables(auth.sync) <= {"alembic_version"}


def test_run_async(env: Environment, db: Database, versions: Tables) -> None:
    """In a running event loop, the awaitable form works on the loop's own
    connections, the plain call raises an error that says what to do, and
    the plain call works from a thread.
    """

    async def main() -> None:
        try:
            await env.run_async(env.upgrade, "r1")
            current = await env.run_async(env.current)
            assert [s.revision for s in current] == ["r1"]

            with pytest.raises(
                EventLoopError,
                match=r"upgrade\(\) was called inside a running event loop.*"
                r"await environment.run_async\(environment.upgrade",
            ):
                env.upgrade()

            await asyncio.to_thread(env.upgrade)
            current = await env.run_async(env.current)
            assert [s.revision for s in current] == ["r2"]
        finally:
            await db.engine.dispose()

    asyncio.run(main())
    assert versions(db.sync) == {"r2"}


def test_concurrent_run_async(env: Environment, db: Database) -> None:
    """Concurrent tasks awaiting the same environment each get connections
    of their own.
    """
    env.upgrade()

    async def main() -> list[t.Any]:
        try:
            calls = [env.run_async(env.needs_upgrade) for _ in range(5)]
            return await asyncio.gather(*calls, env.run_async(env.current))
        finally:
            await db.engine.dispose()

    *behind, current = asyncio.run(main())
    assert behind == [False] * 5
    assert [s.revision for s in current] == ["r2"]


def test_inside_run_sync(env: Environment, db: Database, versions: Tables) -> None:
    """Called from ``AsyncConnection.run_sync``, the plain methods use the
    caller's event loop.
    """

    async def main() -> None:
        try:
            async with db.engine.connect() as conn:
                await conn.run_sync(lambda _: env.upgrade())
        finally:
            await db.engine.dispose()

    asyncio.run(main())
    assert versions(db.sync) == {"r2"}


def test_flask_lite_async_only(
    db: Database,
    model: type[orm.DeclarativeBase],
    tmp_path: Path,
    tables: Tables,
    versions: Tables,
) -> None:
    """A Flask-SQLAlchemy-Lite app with only SQLALCHEMY_ASYNC_ENGINES runs
    ``flask db`` revision, upgrade, current, check and downgrade with no
    extra arguments.
    """
    app = Flask(__name__, root_path=str(tmp_path))
    app.config["SQLALCHEMY_ASYNC_ENGINES"] = {
        "default": db.async_url.render_as_string(hide_password=False)
    }
    lite = SQLAlchemy(app)
    Alembic(app, metadatas=model.metadata)
    runner = app.test_cli_runner()

    try:
        result = runner.invoke(args=["db", "check"])
        assert result.exit_code == 1
        assert "add_table user" in result.stdout

        result = runner.invoke(args=["db", "revision", "add user"])
        assert result.exit_code == 0, result.output
        (path,) = (tmp_path / "migrations").glob("*add_user*.py")
        assert "op.create_table('user'" in path.read_text()

        result = runner.invoke(args=["db", "upgrade"])
        assert result.exit_code == 0, result.output
        assert tables(db.sync) == {"alembic_version", "user"}
        (rev,) = versions(db.sync)

        result = runner.invoke(args=["db", "current"])
        assert result.exit_code == 0, result.output
        assert rev in result.stdout

        result = runner.invoke(args=["db", "check"])
        assert (result.exit_code, result.stdout) == (0, "No changes detected.\n")

        result = runner.invoke(args=["db", "downgrade", "base"])
        assert result.exit_code == 0, result.output
        assert tables(db.sync) == {"alembic_version"}
    finally:
        with app.app_context():
            for engine in lite.async_engines.values():
                asyncio.run(engine.dispose())


def test_lock_held_while_upgrading(
    make_env: t.Callable[..., Environment],
    db: Database,
    revisions: t.Any,
) -> None:
    """While an async runner is upgrading, the lock is held: another runner
    cannot take it.
    """
    seen: list[bool] = []
    revisions.write("r1", None)
    env = make_env(sa.MetaData(), db.engine)

    def probe(event: t.Any) -> None:
        if event.seconds is None:
            with pytest.raises(LockError, match="Timed out after 0s"):
                acquire("default", db.sync, "alembic_version", None, 0)

            seen.append(True)

    env.progress = probe
    env.upgrade()
    assert seen == [True]


def test_ledger(
    history: None,
    make_env: t.Callable[..., Environment],
    db: Database,
    revisions: t.Any,
) -> None:
    """The ledger through an async engine: rows written, an edit found,
    rehash accepting it.
    """
    options = {"ledger_table": True, "revision_id_pattern": r"r\d"}
    env = make_env(sa.MetaData(), db.engine, options)
    env.upgrade()
    ledger = sa.Table("alembic_ledger", sa.MetaData(), autoload_with=db.sync)

    with db.sync.connect() as connection:
        rows = connection.execute(sa.select(ledger.c.revision, ledger.c.direction))
        assert [tuple(r) for r in rows] == [("r1", "upgrade"), ("r2", "upgrade")]

    path = revisions.folder / "r2_step.py"
    path.write_text(path.read_text().replace("'two'", "'three'"))
    assert [f.kind for f in env.verify()] == ["edited-after-apply"]
    assert env.rehash("r2", "renamed before anyone used it") == ["default"]
    assert env.verify() == []


def test_snapshot(
    make_database: t.Callable[[str], Database],
    make_env: t.Callable[..., Environment],
    history: None,
    tables: Tables,
    versions: Tables,
) -> None:
    """A snapshot is written through an async engine (its scratch database
    reached with the same driver), checked, and loaded into an empty
    database reached through an async engine.
    """
    builder = make_database("builder")
    env = make_env(sa.MetaData(), builder.engine)
    (path,) = env.snapshots.write("r1")
    assert Path(path).name == "r1.default.sql"
    assert env.snapshots.check("r1") == {"default": []}

    fresh = make_database("fresh")
    env = make_env(sa.MetaData(), fresh.engine)
    ran: list[str] = []
    env.progress = lambda e: ran.append(str(e.revision)) if e.seconds else None
    env.create_at_head()
    assert ran == ["r2"]
    assert tables(fresh.sync) == {"alembic_version", "one", "two"}
    assert versions(fresh.sync) == {"r2"}
