"""Lock timeouts with retry on PostgreSQL and MariaDB: a second connection
holds a lock on the table a revision alters, so that the revision's
statement gives up waiting; the run retries it, and after the last attempt
names the table and the session holding it. Never timed: the lock is held
until the test lets it go.
"""

from __future__ import annotations

import re
import typing as t
from pathlib import Path

import pytest
import sqlalchemy as sa
from click.testing import CliRunner
from click.testing import Result
from flask import Flask

from alembic_envkit import Environment
from alembic_envkit import make_group
from alembic_envkit import MigrationError
from alembic_envkit import MigrationEvent
from alembic_envkit import RevisionError
from flask_alembic import Alembic

Tables: t.TypeAlias = t.Callable[..., set[str]]

#: For the tests of both server dialects.
SERVERS = pytest.mark.parametrize("dialect", ["postgresql", "mariadb"], indirect=True)

#: For the tests of MariaDB alone.
MARIADB = pytest.mark.parametrize("dialect", ["mariadb"], indirect=True)

#: The application name the blocking PostgreSQL session shows.
BLOCKER = "envkit-blocker"

#: Short waits, retried twice at once.
RETRY = {
    "ddl_lock_timeout": 0.2,
    "ddl_lock_retries": 2,
    "ddl_lock_retry_delay": 0,
    "ledger_table": True,
}


def _history(revisions: t.Any) -> None:
    """r1 makes "user"; r2 makes "other"; r3 adds a column to "user", the
    statement a held lock stops; r4 makes "last".
    """
    revisions.write(
        "r1",
        None,
        "op.create_table('user', sa.Column('id', sa.Integer, primary_key=True))",
        "op.drop_table('user')",
    )
    revisions.write(
        "r2",
        "r1",
        "op.create_table('other', sa.Column('id', sa.Integer, primary_key=True))",
        "op.drop_table('other')",
    )
    revisions.write(
        "r3",
        "r2",
        "op.add_column('user', sa.Column('email', sa.String(50)))",
        "op.drop_column('user', 'email')",
    )
    revisions.write(
        "r4",
        "r3",
        "op.create_table('last', sa.Column('id', sa.Integer, primary_key=True))",
        "op.drop_table('last')",
    )


def _hold(engine: sa.Engine) -> tuple[sa.Connection, str]:
    """A connection holding a lock on "user" in an open transaction, and how
    the error names its session.
    """
    connection = engine.connect()

    if engine.dialect.name == "postgresql":
        connection.exec_driver_sql(f"SET application_name = '{BLOCKER}'")
        connection.commit()
        pid = connection.exec_driver_sql("SELECT pg_backend_pid()").scalar()
        connection.exec_driver_sql('LOCK TABLE "user" IN ACCESS SHARE MODE')
        return connection, f"server process {pid} ({BLOCKER})"

    number = connection.exec_driver_sql("SELECT CONNECTION_ID()").scalar()
    connection.commit()
    # The SELECT holds a metadata lock on the table until the transaction
    # ends.
    connection.exec_driver_sql("START TRANSACTION")
    connection.exec_driver_sql("SELECT * FROM `user`").all()
    return connection, f"connection {number} "


def _ledger(engine: sa.Engine) -> list[tuple[str, str]]:
    ledger = sa.table("alembic_ledger", sa.column("revision"), sa.column("direction"))

    with engine.connect() as connection:
        rows = connection.execute(
            sa.select(ledger.c.revision, ledger.c.direction).order_by(ledger.c.revision)
        )
        return [(row.revision, row.direction) for row in rows]


def _columns(engine: sa.Engine, table: str) -> set[str]:
    return {c["name"] for c in sa.inspect(engine).get_columns(table)}


def _applied(engine: sa.Engine, mode: str) -> set[str]:
    """What the version table holds when r3 gives up: r2, except in "run"
    mode on PostgreSQL, which rolls back the run. MariaDB commits each DDL
    statement, whatever the mode.
    """
    return {"r1"} if mode == "run" and engine.dialect.name == "postgresql" else {"r2"}


@SERVERS
@pytest.mark.parametrize("mode", ["savepoint", "revision", "run"])
def test_gives_up_naming_table_and_blocker(
    mode: str,
    make_env: t.Callable[..., Environment],
    engine: sa.Engine,
    revisions: t.Any,
    tables: Tables,
    versions: Tables,
) -> None:
    """With the lock held throughout, the revision is tried three times and
    the error names the database, revision, table, wait, count, blocking
    session and fix; nothing of the revision is applied, the revisions
    before it stand as the transaction mode says, the ledger has no row for
    it, and a rerun once the lock is free reaches head with one row each.
    """
    expected = _applied(engine, mode)
    _history(revisions)
    env = make_env(sa.MetaData(), engine, {**RETRY, "transaction_mode": mode})
    env.upgrade("r1")
    blocker, holder = _hold(engine)
    events: list[MigrationEvent] = []
    env.progress = events.append

    try:
        with pytest.raises(MigrationError) as info:
            env.upgrade()
    finally:
        blocker.rollback()
        blocker.close()

    message = str(info.value)
    wait = "0.2" if engine.dialect.name == "postgresql" else "1"
    assert "\n" not in message
    assert re.search(
        "^Migration failed on database 'default', upgrade of revision r3:"
        f' waited {wait} s for a lock on table "user" 3 times; held by ',
        message,
    ), message
    assert holder in message
    assert "raise 'ddl_lock_timeout' or 'ddl_lock_retries'" in message
    assert info.value.revision == "r3"

    assert versions(engine) == expected
    assert "email" not in _columns(engine, "user")
    assert "last" not in tables(engine)
    applied = [("r1", "upgrade")] + ([("r2", "upgrade")] if "r2" in expected else [])
    assert _ledger(engine) == applied

    retries = [e.retry for e in events if e.retry is not None]
    assert retries == [
        'lock timeout on table "user" (attempt 1 of 3), retrying in 0 s',
        'lock timeout on table "user" (attempt 2 of 3), retrying in 0 s',
    ]

    env.upgrade()
    assert versions(engine) == {"r4"}
    assert "email" in _columns(engine, "user")
    assert _ledger(engine) == [(r, "upgrade") for r in ("r1", "r2", "r3", "r4")]


@SERVERS
@pytest.mark.parametrize("mode", ["savepoint", "revision", "run"])
def test_retry_succeeds_once_blocker_leaves(
    mode: str,
    make_env: t.Callable[..., Environment],
    engine: sa.Engine,
    revisions: t.Any,
    versions: Tables,
) -> None:
    """The blocker lets go as the first retry is reported: the upgrade
    reaches head, the revision is applied once (one ledger row), and the
    one retry was reported between its start and its end.
    """
    _history(revisions)
    env = make_env(sa.MetaData(), engine, {**RETRY, "transaction_mode": mode})
    env.upgrade("r1")
    blocker, _ = _hold(engine)
    events: list[MigrationEvent] = []

    def progress(event: MigrationEvent) -> None:
        events.append(event)

        if event.retry is not None:
            blocker.rollback()

    env.progress = progress

    try:
        env.upgrade()
    finally:
        blocker.rollback()
        blocker.close()

    assert versions(engine) == {"r4"}
    assert "email" in _columns(engine, "user")
    assert _ledger(engine) == [(r, "upgrade") for r in ("r1", "r2", "r3", "r4")]
    r3 = [(e.seconds is not None, e.retry) for e in events if e.revision == "r3"]
    assert r3 == [
        (False, None),
        (False, 'lock timeout on table "user" (attempt 1 of 3), retrying in 0 s'),
        (True, None),
    ]


def _seen(engine: sa.Engine) -> list[str]:
    with engine.connect() as connection:
        return [
            str(v) for v in connection.exec_driver_sql("SELECT v FROM seen").scalars()
        ]


#: A revision that records the lock wait limits its statements run under.
SEEN = {
    "postgresql": "SHOW lock_timeout",
    "mysql": (
        "SELECT CONCAT(@@SESSION.lock_wait_timeout, ' ',"
        " @@SESSION.innodb_lock_wait_timeout)"
    ),
}


@SERVERS
@pytest.mark.parametrize(
    ("options", "postgresql", "mariadb"),
    [({}, "0", "86400 50"), ({"ddl_lock_timeout": 2.5}, "2500ms", "3 3")],
    ids=["off", "on"],
)
def test_limit_inside_revision(
    options: dict[str, t.Any],
    postgresql: str,
    mariadb: str,
    make_env: t.Callable[..., Environment],
    engine: sa.Engine,
    revisions: t.Any,
) -> None:
    """Off, a revision runs under the database's own limits; on, under the
    setting (MariaDB in whole seconds, rounded up).
    """
    query = SEEN[engine.dialect.name]
    revisions.write(
        "r1",
        None,
        f"""
        op.create_table('seen', sa.Column('v', sa.String(50)))
        value = op.get_bind().exec_driver_sql({query!r}).scalar()
        op.get_bind().execute(sa.text('INSERT INTO seen VALUES (:v)'), {{'v': value}})
        """,
    )
    env = make_env(sa.MetaData(), engine, options)
    env.upgrade()
    expected = postgresql if engine.dialect.name == "postgresql" else mariadb
    assert _seen(engine) == [expected]


@MARIADB
def test_session_limits_put_back(
    make_env: t.Callable[..., Environment],
    make_engine: t.Callable[..., sa.Engine],
    engine: sa.Engine,
    revisions: t.Any,
) -> None:
    """The pooled connection a run migrated on goes back to the pool with
    the limits it had before, after a run that succeeded and after one that
    gave up.
    """
    pooled = make_engine(engine.url, pool_size=1, max_overflow=0, pool_timeout=5)

    with pooled.connect() as connection:
        connection.exec_driver_sql(
            "SET SESSION lock_wait_timeout = 777, innodb_lock_wait_timeout = 77"
        )
        first = connection.connection.dbapi_connection

    _history(revisions)
    env = make_env(sa.MetaData(), pooled, {**RETRY, "lock": False})
    env.upgrade("r2")
    env.close()
    blocker, _ = _hold(engine)

    try:
        with pytest.raises(MigrationError, match="lock on table"):
            env.upgrade()
    finally:
        blocker.rollback()
        blocker.close()

    env.close()

    with pooled.connect() as connection:
        assert connection.connection.dbapi_connection is first
        limits = connection.exec_driver_sql(
            "SELECT @@SESSION.lock_wait_timeout, @@SESSION.innodb_lock_wait_timeout"
        ).one()

    assert tuple(limits) == (777, 77)
    # The statement retries listened only during the runs.
    assert not pooled.dialect.dispatch.do_execute


def _cli_checks(result: Result, holder: str) -> None:
    """The retry line, then one error line, exit 1, no traceback."""
    assert result.exit_code == 1, (result.stdout, result.stderr)
    assert "Traceback" not in result.output
    lines = result.stderr.splitlines()
    assert (
        '  upgrade r3: lock timeout on table "user" (attempt 1 of 2), retrying in 0 s'
    ) in lines
    assert lines[-1].startswith("Error: Migration failed on database 'default'")
    assert 'for a lock on table "user" 2 times; held by ' in lines[-1]
    assert holder in lines[-1]


@SERVERS
def test_cli_prints_retries(
    make_env: t.Callable[..., Environment],
    engine: sa.Engine,
    revisions: t.Any,
    versions: Tables,
) -> None:
    """``upgrade`` prints each retry on stderr, then the error in one line
    and exit code 1.
    """
    _history(revisions)
    options = {**RETRY, "ddl_lock_retries": 1}
    env = make_env(sa.MetaData(), engine, options)
    env.upgrade("r2")
    blocker, holder = _hold(engine)

    try:
        result = CliRunner().invoke(make_group(lambda: env), ["upgrade"])
    finally:
        blocker.rollback()
        blocker.close()

    _cli_checks(result, holder)
    assert versions(engine) == {"r2"}


@SERVERS
def test_flask_config_flows(
    tmp_path: Path,
    engine: sa.Engine,
    revisions: t.Any,
    versions: Tables,
) -> None:
    """The settings under ``app.config["ALEMBIC"]`` reach the runner:
    ``flask db upgrade`` retries and gives up as configured.
    """
    _history(revisions)
    app = Flask(__name__, root_path=str(tmp_path))
    app.config["ALEMBIC"] = {**RETRY, "ddl_lock_retries": 1}
    alembic = Alembic(metadatas=sa.MetaData(), engines=engine)
    alembic.init_app(app)

    with app.app_context():
        alembic.upgrade("r2")

    blocker, holder = _hold(engine)

    try:
        result = app.test_cli_runner().invoke(args=["db", "upgrade"])
    finally:
        blocker.rollback()
        blocker.close()

    _cli_checks(result, holder)
    assert versions(engine) == {"r2"}


#: The async driver tested on each server dialect.
ASYNC_DRIVERS = {"postgresql": "postgresql+asyncpg", "mariadb": "mysql+aiomysql"}


@SERVERS
def test_async_drivers(
    dialect: str,
    make_env: t.Callable[..., Environment],
    make_async_engine: t.Callable[..., t.Any],
    engine: sa.Engine,
    revisions: t.Any,
    versions: Tables,
) -> None:
    """Through asyncpg and aiomysql a lock timeout is told from other errors
    alike: retried, then named; and a retry succeeds once the lock is free.
    """
    _history(revisions)
    async_engine = make_async_engine(engine.url.set(drivername=ASYNC_DRIVERS[dialect]))
    env = make_env(sa.MetaData(), async_engine, {**RETRY, "ddl_lock_retries": 1})
    env.upgrade("r2")
    blocker, holder = _hold(engine)
    events: list[MigrationEvent] = []
    env.progress = events.append

    try:
        with pytest.raises(MigrationError, match='lock on table "user" 2 times'):
            env.upgrade()

        assert versions(engine) == {"r2"}

        def progress(event: MigrationEvent) -> None:
            events.append(event)

            if event.retry is not None:
                blocker.rollback()

        blocker.rollback()
        blocker.close()
        blocker, holder = _hold(engine)
        env.progress = progress
        env.upgrade()
    finally:
        blocker.rollback()
        blocker.close()

    assert versions(engine) == {"r4"}
    assert _ledger(engine) == [(r, "upgrade") for r in ("r1", "r2", "r3", "r4")]
    assert len([e for e in events if e.retry is not None]) == 2


@SERVERS
def test_statements_before_timeout(
    make_env: t.Callable[..., Environment],
    engine: sa.Engine,
    revisions: t.Any,
    tables: Tables,
    versions: Tables,
) -> None:
    """A revision that made a table before its statement gave up: PostgreSQL
    rolls all of it back and a rerun goes on; on MariaDB the table stays, the
    error says so, and the revision stays marked as interrupted.
    """
    _history(revisions)
    revisions.write(
        "r3",
        "r2",
        "op.create_table('pre', sa.Column('id', sa.Integer))\n"
        "op.add_column('user', sa.Column('email', sa.String(50)))",
    )
    env = make_env(sa.MetaData(), engine, {**RETRY, "ddl_lock_retries": 0})
    env.upgrade("r2")
    blocker, _ = _hold(engine)

    try:
        with pytest.raises(MigrationError, match='lock on table "user" once') as info:
            env.upgrade()
    finally:
        blocker.rollback()
        blocker.close()

    assert versions(engine) == {"r2"}

    if engine.dialect.name == "postgresql":
        assert "pre" not in tables(engine)
        assert "applied" not in str(info.value)
        env.upgrade()
        assert versions(engine) == {"r4"}
        return

    assert "pre" in tables(engine)
    assert str(info.value).endswith(
        " Its statements before that one stay applied, as each DDL statement commits."
    )

    with pytest.raises(RevisionError, match="middle of the upgrade of revision r3"):
        env.upgrade()


@SERVERS
def test_downgrade_retries(
    make_env: t.Callable[..., Environment],
    engine: sa.Engine,
    revisions: t.Any,
    versions: Tables,
) -> None:
    """A downgrade is retried as an upgrade is, and its events say so."""
    _history(revisions)
    env = make_env(sa.MetaData(), engine, RETRY)
    env.upgrade()
    blocker, _ = _hold(engine)
    retries: list[str] = []

    def progress(event: MigrationEvent) -> None:
        if event.retry is not None:
            retries.append(f"{event.direction} {event.revision}: {event.retry}")
            blocker.rollback()

    env.progress = progress

    try:
        env.downgrade("r2")
    finally:
        blocker.rollback()
        blocker.close()

    assert versions(engine) == {"r2"}
    assert "email" not in _columns(engine, "user")
    assert retries == [
        'downgrade r3: lock timeout on table "user" (attempt 1 of 3), retrying in 0 s'
    ]


@pytest.fixture
def metadata_lock_info(
    engine: sa.Engine, unavailable: t.Callable[[str], t.NoReturn]
) -> t.Iterator[None]:
    """MariaDB's metadata_lock_info plugin, installed for the test when the
    server has it and it is not installed yet, and uninstalled after.
    """
    with engine.connect() as connection:
        status = connection.execute(
            sa.text(
                "SELECT PLUGIN_STATUS FROM information_schema.ALL_PLUGINS"
                " WHERE PLUGIN_NAME = 'METADATA_LOCK_INFO'"
            )
        ).scalar()

        if status is None:
            unavailable("MariaDB has no metadata_lock_info plugin")

        if status == "ACTIVE":
            yield
            return

        connection.exec_driver_sql("INSTALL SONAME 'metadata_lock_info'")

        try:
            yield
        finally:
            connection.exec_driver_sql("UNINSTALL SONAME 'metadata_lock_info'")


@MARIADB
def test_mariadb_names_metadata_lock_holder(
    make_env: t.Callable[..., Environment],
    engine: sa.Engine,
    revisions: t.Any,
    request: pytest.FixtureRequest,
) -> None:
    """With the metadata_lock_info plugin, MariaDB's error names the session
    holding the table's metadata lock, not every session with a transaction
    open.
    """
    request.getfixturevalue("metadata_lock_info")
    _history(revisions)
    env = make_env(sa.MetaData(), engine, {**RETRY, "ddl_lock_retries": 0})
    env.upgrade("r2")
    blocker, holder = _hold(engine)
    # Another open transaction, on no table of the revision's.
    bystander = engine.connect()
    bystander.exec_driver_sql("START TRANSACTION")
    bystander.exec_driver_sql("SELECT * FROM other").all()
    other = bystander.exec_driver_sql("SELECT CONNECTION_ID()").scalar()

    try:
        with pytest.raises(MigrationError) as info:
            env.upgrade()
    finally:
        for connection in (blocker, bystander):
            connection.rollback()
            connection.close()

    message = str(info.value)
    assert holder in message
    assert f"connection {other} " not in message
    assert "one of the sessions" not in message
