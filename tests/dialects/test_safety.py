"""Safe by default: the migration lock under real concurrent processes, and
failed revisions leaving a clean revision boundary, on every dialect.
"""

from __future__ import annotations

import re
import socket
import subprocess
import sys
import textwrap
import time
import typing as t
from pathlib import Path

import pytest
import sqlalchemy as sa

from alembic_envkit import ConfigurationError
from alembic_envkit import Environment
from alembic_envkit import LockError
from alembic_envkit import MigrationError
from alembic_envkit import RevisionError
from alembic_envkit import Settings
from alembic_envkit import Targets
from alembic_envkit.run.dialects import acquire
from alembic_envkit.run.dialects._locks import ServerLock

Tables: t.TypeAlias = t.Callable[..., set[str]]

#: How many processes race to upgrade one database.
PROCESSES = 8

WORKER = """\
import sys
import sqlalchemy as sa
from alembic_envkit import Environment, Settings, Targets

url, root, lock = sys.argv[1:4]
# SQLite would wait up to 5 seconds on its own database lock, which hides
# some overlaps; fail at once instead, so only the migration lock can help.
connect_args = {"timeout": 0} if url.startswith("sqlite") else {}
engine = sa.create_engine(url, connect_args=connect_args)
options = {"lock": lock == "on", "lock_timeout": 120}
settings = Settings.from_mappings(options, root=root)
env = Environment(settings, Targets(sa.MetaData(), engine))

try:
    env.upgrade()
except Exception as e:
    print(f"FAILED {type(e).__name__}: {e}", file=sys.stderr)
    sys.exit(1)
finally:
    arrive("done")
    env.close()
    engine.dispose()
"""


def _write_history(revisions: t.Any, race: t.Any = None) -> None:
    """r1 creates the table ``runs``; each revision adds a row to it. In a
    race, every worker waits at the start of r1 for the others.
    """
    wait = textwrap.indent(race.inside, "        ").lstrip() if race else ""
    revisions.write(
        "r1",
        None,
        f"""
        {wait}
        op.create_table("runs", sa.Column("rev", sa.String(10)))
        op.execute("INSERT INTO runs (rev) VALUES ('r1')")
        """,
        "op.drop_table('runs')",
    )

    for n in (2, 3):
        revisions.write(
            f"r{n}",
            f"r{n - 1}",
            f"""
            op.create_table("t{n}", sa.Column("id", sa.Integer, primary_key=True))
            op.execute("INSERT INTO runs (rev) VALUES ('r{n}')")
            """,
            f"op.drop_table('t{n}')",
        )


def _race(
    url: sa.URL, root: Path, race: t.Any, lock: bool
) -> list[subprocess.CompletedProcess[str]]:
    worker = root / "worker.py"
    worker.write_text(race.start + WORKER)
    args = [
        sys.executable,
        str(worker),
        url.render_as_string(hide_password=False),
        str(root),
        "on" if lock else "off",
    ]
    running = [
        subprocess.Popen(
            args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        for _ in range(race.count)
    ]
    results = []

    for p in running:
        out, err = p.communicate(timeout=300)
        results.append(subprocess.CompletedProcess(p.args, p.returncode, out, err))

    return results


def _runs(url: sa.URL) -> list[tuple[str, int]]:
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)

    try:
        with engine.connect() as conn:
            rows = conn.execute(
                sa.text("SELECT rev, COUNT(*) FROM runs GROUP BY rev ORDER BY rev")
            )
            return [(r[0], r[1]) for r in rows]
    finally:
        engine.dispose()


def test_concurrent_upgrades_run_each_revision_once(
    database_url: t.Callable[[str], sa.URL],
    revisions: t.Any,
    race: t.Callable[[int], t.Any],
    tmp_path: Path,
) -> None:
    """Eight processes upgrading one database at once all succeed, and each
    revision runs exactly once: the first to get the lock runs r1 while the
    seven others are refused it.
    """
    barrier = race(PROCESSES)
    _write_history(revisions, barrier)
    url = database_url("race")
    results = _race(url, tmp_path, barrier, lock=True)
    failed = [r.stderr for r in results if r.returncode != 0]
    assert failed == []
    assert _runs(url) == [("r1", 1), ("r2", 1), ("r3", 1)]
    assert (barrier.arrived("inside"), barrier.arrived("waiting")) == (1, 7)


def test_without_lock_the_race_shows(
    database_url: t.Callable[[str], sa.URL],
    make_engine: t.Callable[..., sa.Engine],
    revisions: t.Any,
    race: t.Callable[[int], t.Any],
    tmp_path: Path,
) -> None:
    """With the lock turned off, the same race goes wrong, so the test above
    can tell: all processes but one fail. On SQLite and PostgreSQL every
    process starts r1; on MariaDB, the mark the first leaves on the version
    table stops most of the others before r1.
    """
    barrier = race(PROCESSES)
    _write_history(revisions, barrier)
    url = database_url("race")
    # The version table exists, as after a first deploy: creating it would
    # make the processes queue on the database's own locks before r1.
    version = sa.Table(
        "alembic_version",
        sa.MetaData(),
        sa.Column("version_num", sa.String(32), primary_key=True),
    )
    version.create(make_engine(url, poolclass=sa.pool.NullPool))
    results = _race(url, tmp_path, barrier, lock=False)
    failed = [r.stderr for r in results if r.returncode != 0]
    assert len(failed) >= PROCESSES - 1, failed
    assert not any("barrier:" in e for e in failed), failed

    if url.get_backend_name() in ("sqlite", "postgresql"):
        assert barrier.arrived("inside") == PROCESSES


def test_lock_timeout_names_holder(
    make_env: t.Callable[..., Environment], engine: sa.Engine, revisions: t.Any
) -> None:
    """A runner that cannot get the lock in time stops with one clear line,
    and reading commands do not wait for the lock.
    """
    _write_history(revisions)
    env = make_env(sa.MetaData(), engine, {"lock_timeout": 0.5})
    held = acquire("default", engine, "alembic_version", None, 5)
    assert held is not None

    try:
        with pytest.raises(
            LockError, match="Timed out after 0.5s .* database 'default'"
        ):
            env.upgrade()

        assert env.current() == ()
        assert [s.revision for s in env.heads()] == ["r3"]
    finally:
        held.release()

    env.upgrade()
    assert [s.revision for s in env.current()] == ["r3"]


HOLDER = {
    "postgresql": ("SELECT pg_backend_pid()", "server process {}"),
    "mariadb": ("SELECT CONNECTION_ID()", "connection {}"),
}


@pytest.mark.parametrize("dialect", list(HOLDER), indirect=True)
def test_lock_timeout_message_names_holder(
    dialect: str,
    make_env: t.Callable[..., Environment],
    engine: sa.Engine,
    revisions: t.Any,
) -> None:
    """The lock-timeout error names the session holding the lock: its
    server process on PostgreSQL, its connection on MariaDB.
    """
    revisions.write("r1", None)
    env = make_env(sa.MetaData(), engine, {"lock_timeout": 0.5})
    held = acquire("default", engine, "alembic_version", None, 5)
    assert isinstance(held, ServerLock)
    query, holder = HOLDER[dialect]
    session = held.connection.exec_driver_sql(query).scalar()
    held.connection.commit()

    try:
        with pytest.raises(LockError, match="Timed out") as info:
            env.upgrade()
    finally:
        held.release()

    assert re.search(rf"held by {holder.format(session)}\b", str(info.value))
    assert env.current() == ()


HOLDER_SCRIPT = """\
import sys
import sqlalchemy as sa
from alembic_envkit.run.dialects import acquire

engine = sa.create_engine(sys.argv[1])
lock = acquire("default", engine, "alembic_version", None, 5)
print("held", flush=True)
sys.stdin.read()
lock.release()
"""


@pytest.mark.parametrize("dialect", ["sqlite"], indirect=True)
def test_sqlite_lock_names_holder_process(
    engine: sa.Engine, caplog: pytest.LogCaptureFixture
) -> None:
    """On SQLite, a runner waiting for the lock names the process holding
    it and its host, in the log and in the timeout error.
    """
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER_SCRIPT, str(engine.url)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )

    try:
        assert holder.stdout is not None
        assert holder.stdout.readline() == "held\n"
        who = f"process {holder.pid} on {socket.gethostname()}"

        with caplog.at_level("INFO", logger="alembic_envkit"):
            with pytest.raises(LockError, match=f"held by {re.escape(who)}\\."):
                acquire("default", engine, "alembic_version", None, 0.3)

        assert f"database 'default', held by {who}" in caplog.text
    finally:
        holder.communicate("")

    assert holder.returncode == 0


FAILING = """
op.create_table("half", sa.Column("id", sa.Integer, primary_key=True))
raise RuntimeError("boom in r2")
"""


@pytest.mark.parametrize(
    ("mode", "expected"),
    [(None, {"r1"}), ("savepoint", {"r1"}), ("revision", {"r1"}), ("run", set())],
)
def test_failed_revision_leaves_clean_boundary(
    mode: str | None,
    expected: set[str],
    make_env: t.Callable[..., Environment],
    engine: sa.Engine,
    revisions: t.Any,
    tables: Tables,
    versions: Tables,
) -> None:
    """A failure in revision 2 leaves no part of it behind on databases with
    transactional DDL, at the boundary the transaction mode promises; the
    error names the database and revision; a rerun after the fix reaches
    head.
    """
    revisions.write(
        "r1",
        None,
        "op.create_table('one', sa.Column('id', sa.Integer))",
        "op.drop_table('one')",
    )
    path = revisions.write("r2", "r1", FAILING, "op.drop_table('half')")
    options = {} if mode is None else {"transaction_mode": mode}
    env = make_env(sa.MetaData(), engine, options)

    with pytest.raises(
        MigrationError, match="database 'default', upgrade of revision r2.*boom in r2"
    ) as info:
        env.upgrade()

    assert info.value.database == "default"
    assert info.value.revision == "r2"

    if engine.dialect.name in ("mysql", "mariadb"):
        # MariaDB commits each DDL statement: r1 stays applied and r2's table
        # is left behind, whatever the mode. Repair by hand, then rerun.
        assert versions(engine) == {"r1"}
        assert "half" in tables(engine)

        with pytest.raises(RevisionError, match="middle of the upgrade of revision r2"):
            env.upgrade()

        with engine.begin() as conn:
            conn.exec_driver_sql("DROP TABLE half")

        env.stamp("r1")
    else:
        assert versions(engine) == expected
        assert "half" not in tables(engine)
        assert ("one" in tables(engine)) is bool(expected)

    path.write_text(path.read_text().replace('raise RuntimeError("boom in r2")', ""))
    env.upgrade()
    assert versions(engine) == {"r2"}
    assert {"one", "half"} <= tables(engine)


@pytest.mark.parametrize("dialect", ["sqlite"], indirect=True)
def test_sqlite_run_leaves_no_transaction_open(
    make_env: t.Callable[..., Environment],
    engine: sa.Engine,
    make_engine: t.Callable[..., sa.Engine],
    revisions: t.Any,
    tables: Tables,
) -> None:
    """After an upgrade and a check in SQLite's default "revision" mode, the
    environment's connection holds no transaction: another connection can
    write at once.
    """
    revisions.write("r1", None, "op.create_table('one', sa.Column('id', sa.Integer))")
    env = make_env(sa.MetaData(), engine)
    env.upgrade()
    assert env.check() != {"default": []}
    other = make_engine(engine.url, connect_args={"timeout": 0})

    with other.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE two (id INTEGER)")

    assert {"one", "two"} <= tables(engine)


def test_mariadb_failure_names_revision(
    make_env: t.Callable[..., Environment],
    engine: sa.Engine,
    revisions: t.Any,
    versions: Tables,
) -> None:
    """On every dialect the error names the failed revision, and the version
    table still names the last revision that finished.
    """
    revisions.write(
        "r1",
        None,
        "op.create_table('one', sa.Column('id', sa.Integer))",
        "op.drop_table('one')",
    )
    revisions.write("r2", "r1", FAILING, "op.drop_table('half')")
    env = make_env(sa.MetaData(), engine, {"transaction_mode": "revision"})

    with pytest.raises(MigrationError, match="upgrade of revision r2"):
        env.upgrade()

    assert versions(engine) == {"r1"}


@pytest.mark.parametrize("dialect", ["mariadb"], indirect=True)
def test_mariadb_interrupted_revision_with_version_table_schema(
    make_env: t.Callable[..., Environment],
    engine: sa.Engine,
    database_url: t.Callable[[str], sa.URL],
    revisions: t.Any,
    versions: Tables,
    tables: Tables,
) -> None:
    """With the version table in another schema, a failed revision is still
    marked on it: the next run is refused, and a stamp clears the mark.
    """
    schema = database_url("meta").database
    revisions.write(
        "r1",
        None,
        "op.create_table('one', sa.Column('id', sa.Integer))",
        "op.drop_table('one')",
    )
    path = revisions.write("r2", "r1", FAILING, "op.drop_table('half')")
    env = make_env(sa.MetaData(), engine, context={"version_table_schema": schema})

    with pytest.raises(MigrationError, match="upgrade of revision r2"):
        env.upgrade()

    assert versions(engine, schema=schema) == {"r1"}
    assert "alembic_version" not in tables(engine)

    with pytest.raises(RevisionError, match="middle of the upgrade of revision r2"):
        env.upgrade()

    with engine.begin() as conn:
        conn.exec_driver_sql("DROP TABLE half")

    env.stamp("r1")
    path.write_text(path.read_text().replace('raise RuntimeError("boom in r2")', ""))
    env.upgrade()
    assert versions(engine, schema=schema) == {"r2"}


KILLED_WORKER = """\
import sys
import sqlalchemy as sa
from alembic_envkit import Environment, Settings, Targets

engine = sa.create_engine(sys.argv[1])
settings = Settings.from_mappings(root=sys.argv[2])
env = Environment(settings, Targets(sa.MetaData(), engine))
env.upgrade()
"""


def test_kill_during_upgrade_then_rerun(
    database_url: t.Callable[[str], sa.URL],
    make_env: t.Callable[..., Environment],
    make_engine: t.Callable[..., sa.Engine],
    revisions: t.Any,
    tmp_path: Path,
) -> None:
    """After kill -9 in the middle of a revision, a rerun reaches head with
    every revision applied once (PostgreSQL, SQLite), or names the
    interrupted revision (MariaDB).
    """
    started = tmp_path / "started"
    _write_history(revisions)
    revisions.write(
        "r2",
        "r1",
        f"""
        import pathlib, time
        op.create_table("t2", sa.Column("id", sa.Integer, primary_key=True))
        op.execute("INSERT INTO runs (rev) VALUES ('r2')")
        pathlib.Path({str(started)!r}).touch()
        time.sleep(60)
        """,
        "op.drop_table('t2')",
    )
    url = database_url("killed")
    worker = tmp_path / "killed.py"
    worker.write_text(KILLED_WORKER)
    process = subprocess.Popen(
        [
            sys.executable,
            str(worker),
            url.render_as_string(hide_password=False),
            str(tmp_path),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )

    try:
        deadline = time.monotonic() + 60

        while not started.exists():
            assert process.poll() is None, "the worker ended before revision r2"
            assert time.monotonic() < deadline, "revision r2 never started"
            time.sleep(0.05)
    finally:
        process.kill()
        process.wait()

    revisions.write(
        "r2",
        "r1",
        """
        op.create_table("t2", sa.Column("id", sa.Integer, primary_key=True))
        op.execute("INSERT INTO runs (rev) VALUES ('r2')")
        """,
        "op.drop_table('t2')",
    )
    engine = make_engine(url)
    env = make_env(sa.MetaData(), engine)

    if engine.dialect.name in ("mysql", "mariadb"):
        with pytest.raises(RevisionError, match="middle of the upgrade of revision r2"):
            env.upgrade()

        return

    env.upgrade()
    assert _runs(url) == [("r1", 1), ("r2", 1), ("r3", 1)]
    assert [s.revision for s in env.current()] == ["r3"]


def test_multidb_failure_says_where_each_database_stands(
    database_url: t.Callable[[str], sa.URL],
    make_env: t.Callable[..., Environment],
    make_engine: t.Callable[..., sa.Engine],
    revisions: t.Any,
    versions: Tables,
) -> None:
    """A failure on one of several databases names it and the revision, and
    says where every database now stands.
    """
    revisions.write_multidb("r1", None)
    revisions.write_multidb("r2", "r1", 'raise RuntimeError("auth broke")')
    engines = {
        "default": make_engine(database_url("default")),
        "auth": make_engine(database_url("auth")),
    }
    mds = {"default": sa.MetaData(), "auth": sa.MetaData()}
    env = make_env(mds, engines, {"transaction_mode": "revision"})

    with pytest.raises(
        MigrationError, match="database 'auth', upgrade of revision r2.*auth broke"
    ) as info:
        env.upgrade()

    assert "Databases now at: default r2, auth r1." in str(info.value)
    assert versions(engines["default"]) == {"r2"}
    assert versions(engines["auth"]) == {"r1"}


KILL_OTHERS = (
    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
    " WHERE datname = current_database() AND pid <> pg_backend_pid()"
)


@pytest.mark.parametrize("dialect", ["postgresql", "mariadb"], indirect=True)
def test_lost_lock_stops_before_next_revision(
    dialect: str,
    database_url: t.Callable[[str], sa.URL],
    make_env: t.Callable[..., Environment],
    make_engine: t.Callable[..., sa.Engine],
    revisions: t.Any,
    tables: Tables,
) -> None:
    """When the lock's connection dies during a run, the next revision does
    not run and the error says the lock was lost.
    """
    engine = make_engine(database_url("lost"))
    revisions.write("r1", None, "op.create_table('one', sa.Column('id', sa.Integer))")

    if dialect == "postgresql":
        kill = f"op.execute({KILL_OTHERS!r})"
    else:
        kill = """
        conn = op.get_bind()
        ids = conn.exec_driver_sql(
            "SELECT ID FROM information_schema.PROCESSLIST"
            " WHERE ID <> CONNECTION_ID() AND DB = DATABASE()"
        ).scalars().all()
        for id_ in ids:
            conn.exec_driver_sql(f"KILL {id_}")
        """

    revisions.write("r2", "r1", kill)
    revisions.write("r3", "r2", "op.create_table('three', sa.Column('id', sa.Integer))")
    env = make_env(sa.MetaData(), engine)

    with pytest.raises(
        LockError, match="Lost the migration lock of database 'default'"
    ):
        env.upgrade()

    assert "three" not in tables(engine)


@pytest.mark.parametrize("server", ["postgresql", "mariadb"])
def test_rerun_after_lost_lock_reaches_head(
    server: str,
    tmp_path: Path,
    any_database: t.Callable[[str, str], sa.URL],
    make_engine: t.Callable[..., sa.Engine],
    revisions: t.Any,
    tables: Tables,
    versions: Tables,
) -> None:
    """After the lock is lost between two revisions, running the command
    again is not refused and reaches head.
    """
    engine = make_engine(any_database(server, "relost"))
    flag = tmp_path / "killed"

    if server == "postgresql":
        kill = f"op.execute({KILL_OTHERS!r})"
    else:
        kill = (
            "ids = op.get_bind().exec_driver_sql(\n"
            "    'SELECT ID FROM information_schema.PROCESSLIST'\n"
            "    ' WHERE ID <> CONNECTION_ID() AND DB = DATABASE()'\n"
            ").scalars().all()\n"
            "for id_ in ids:\n"
            "    op.get_bind().exec_driver_sql(f'KILL {id_}')"
        )

    # Kills every other session of the database, the lock's among them, on
    # the first run only.
    once = (
        f"import pathlib\nflag = pathlib.Path({str(flag)!r})\n"
        f"if not flag.exists():\n    flag.touch()\n"
        f"{textwrap.indent(kill, '    ')}"
    )
    revisions.write("r1", None, "op.create_table('one', sa.Column('id', sa.Integer))")
    revisions.write("r2", "r1", once)
    revisions.write("r3", "r2", "op.create_table('three', sa.Column('id', sa.Integer))")
    settings = Settings.from_mappings(None, root=tmp_path)

    with Environment(settings, Targets(sa.MetaData(), engine)) as env:
        with pytest.raises(LockError, match="Lost the migration lock.*Run the command"):
            env.upgrade()

    assert flag.exists()
    assert "three" not in tables(engine)

    with Environment(settings, Targets(sa.MetaData(), engine)) as env:
        env.upgrade()

    assert {"one", "three"} <= tables(engine)
    assert versions(engine) == {"r3"}


def _max_prepared(url: sa.URL) -> int:
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)

    try:
        with engine.connect() as conn:
            return int(conn.exec_driver_sql("SHOW max_prepared_transactions").scalar())
    finally:
        engine.dispose()


@pytest.mark.parametrize("dialect", ["postgresql"], indirect=True)
@pytest.mark.parametrize("outcome", ["fails", "succeeds"])
def test_two_phase_commit_postgresql(
    outcome: str,
    database_url: t.Callable[[str], sa.URL],
    unavailable: t.Callable[[str], t.NoReturn],
    make_env: t.Callable[..., Environment],
    make_engine: t.Callable[..., sa.Engine],
    revisions: t.Any,
    versions: Tables,
    tables: Tables,
) -> None:
    """With two_phase, several PostgreSQL databases keep a run together or
    not at all, and no prepared transaction is left behind.
    """
    urls = {
        "default": database_url("tpc_a"),
        "auth": database_url("tpc_b"),
    }

    if _max_prepared(urls["default"]) == 0:
        unavailable(
            "PostgreSQL's max_prepared_transactions is 0; set it above 0"
            " (.ci/start-servers does) to test two-phase commit."
        )

    revisions.write_multidb("r1", None)
    fail = 'raise RuntimeError("auth broke")' if outcome == "fails" else ""
    revisions.write_multidb("r2", "r1", fail)
    engines = {name: make_engine(url) for name, url in urls.items()}
    env = make_env(
        {"default": sa.MetaData(), "auth": sa.MetaData()}, engines, {"two_phase": True}
    )

    if outcome == "fails":
        with pytest.raises(
            MigrationError, match="database 'auth', upgrade of revision r2"
        ):
            env.upgrade()

        assert versions(engines["default"]) == set()
        assert versions(engines["auth"]) == set()
        assert "d_r1" not in tables(engines["default"])
    else:
        env.upgrade()
        assert versions(engines["default"]) == {"r2"}
        assert versions(engines["auth"]) == {"r2"}

    with engines["default"].connect() as conn:
        assert (
            conn.exec_driver_sql("SELECT count(*) FROM pg_prepared_xacts").scalar() == 0
        )


@pytest.mark.parametrize("dialect", ["sqlite"], indirect=True)
def test_two_phase_needs_postgresql(
    make_env: t.Callable[..., Environment],
    make_engine: t.Callable[..., sa.Engine],
    tmp_path: Path,
) -> None:
    """two_phase with a database that cannot prepare DDL is refused."""
    engines = {
        "default": make_engine(f"sqlite:///{tmp_path}/a.sqlite"),
        "auth": make_engine(f"sqlite:///{tmp_path}/b.sqlite"),
    }
    env = make_env(
        {"default": sa.MetaData(), "auth": sa.MetaData()}, engines, {"two_phase": True}
    )

    with pytest.raises(
        ConfigurationError,
        match="'two_phase' setting needs every database to be PostgreSQL",
    ):
        env.upgrade()


@pytest.mark.parametrize("ddl_lock", [{}, {"ddl_lock_timeout": 5}], ids=["", "retry"])
@pytest.mark.parametrize("mode", [None, "savepoint", "revision", "run"])
def test_autocommit_block_in_every_mode(
    ddl_lock: dict[str, t.Any],
    mode: str | None,
    make_env: t.Callable[..., Environment],
    engine: sa.Engine,
    revisions: t.Any,
    tables: Tables,
    versions: Tables,
) -> None:
    """A revision that builds an index in an autocommit block (on
    PostgreSQL, CONCURRENTLY, which no transaction may hold) runs in every
    transaction mode, the revisions around it too, with lock timeouts
    retried or not; a failure after it keeps what the block committed and
    names the revision.
    """
    postgresql = engine.dialect.name == "postgresql"
    concurrently = ", postgresql_concurrently=True" * postgresql
    revisions.write(
        "r1",
        None,
        "op.create_table('one', sa.Column('id', sa.Integer))",
        "op.drop_table('one')",
    )
    revisions.write(
        "r2",
        "r1",
        "with op.get_context().autocommit_block():\n"
        f"        op.create_index('ix_one', 'one', ['id']{concurrently})",
        "op.drop_index('ix_one', table_name='one')",
    )
    path = revisions.write(
        "r3", "r2", FAILING.replace("r2", "r3"), "op.drop_table('half')"
    )
    options = {} if mode is None else {"transaction_mode": mode}
    env = make_env(sa.MetaData(), engine, {**options, **ddl_lock})

    with pytest.raises(MigrationError, match="upgrade of revision r3.*boom in r3"):
        env.upgrade()

    # The block committed r1 and its own work; r2's version row is
    # committed with r2 except in run mode, where the failure of r3 rolls
    # back the transaction begun after the block.
    if mode == "run" and engine.dialect.name not in ("mysql", "mariadb"):
        assert versions(engine) == {"r1"}
        env.stamp("r2")
    else:
        assert versions(engine) == {"r2"}

    indexes = {ix["name"] for ix in sa.inspect(engine).get_indexes("one")}
    assert indexes == {"ix_one"}

    if engine.dialect.name in ("mysql", "mariadb"):
        with engine.begin() as conn:
            conn.exec_driver_sql("DROP TABLE half")

        env.stamp("r2")

    path.write_text(path.read_text().replace('raise RuntimeError("boom in r3")', ""))
    env.upgrade()
    assert versions(engine) == {"r3"}
    assert {"one", "half"} <= tables(engine)
