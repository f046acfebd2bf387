"""Tenants on every dialect: schemas on PostgreSQL, databases on MariaDB,
files on SQLite, migrated by the fan-out with the history read once.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import sqlite3
import subprocess
import sys
import textwrap
import threading
import time
import typing as t
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa

from alembic_envkit import ConfigurationError
from alembic_envkit import Environment
from alembic_envkit import RevisionError
from alembic_envkit import Targets
from alembic_envkit import TenantReport
from alembic_envkit.run.dialects import acquire
from alembic_envkit.snapshot import catalog
from alembic_envkit.snapshot import compare_catalogs


class Tenancy:
    """A primary database with tenants named ``<prefix>_<n>``, unique to
    the test (MariaDB's databases are the server's), and what they hold.
    """

    def __init__(
        self, url: sa.URL, engine: sa.Engine, folder: Path, count: int
    ) -> None:
        self.url = url
        self.engine = engine
        self.folder = folder
        self.prefix = f"t{uuid.uuid4().hex[:8]}"
        self.names = [self.name(n) for n in range(count)]
        self.made: set[str] = set()

    def name(self, n: int) -> str:
        return f"{self.prefix}_{n}"

    @property
    def dialect(self) -> str:
        """``sqlite``, ``postgresql``, or ``mysql`` for MariaDB too."""
        return self.engine.dialect.name

    def source(self) -> list[str]:
        """The ``tenants`` setting: a copy, so tests may add names."""
        self.made.update(self.names)
        return list(self.names)

    def engine_for(self, tenant: str) -> sa.Engine:
        """A plain engine on the tenant, for looking at it."""
        if self.dialect == "sqlite":
            return sa.create_engine(f"sqlite:///{self.folder / tenant}.sqlite")

        if self.dialect == "postgresql":
            return self.engine

        return sa.create_engine(self.url.set(database=tenant))

    def schema(self, tenant: str) -> str | None:
        return tenant if self.dialect == "postgresql" else None

    def tables(self, tenant: str) -> set[str]:
        engine = self.engine_for(tenant)
        names = sa.inspect(engine).get_table_names(schema=self.schema(tenant))
        self._done(engine)
        return set(names)

    def versions(self, tenant: str) -> list[str]:
        return self.rows(tenant, "SELECT version_num FROM {}alembic_version")

    def rows(self, tenant: str, sql: str) -> list[t.Any]:
        engine = self.engine_for(tenant)
        prefix = f'"{tenant}".' if self.dialect == "postgresql" else ""

        try:
            with engine.connect() as conn:
                return [r[0] for r in conn.exec_driver_sql(sql.format(prefix))]
        finally:
            self._done(engine)

    def execute(self, tenant: str, sql: str) -> None:
        engine = self.engine_for(tenant)
        prefix = f'"{tenant}".' if self.dialect == "postgresql" else ""

        try:
            with engine.begin() as conn:
                conn.exec_driver_sql(sql.format(prefix))
        finally:
            self._done(engine)

    def _done(self, engine: sa.Engine) -> None:
        if engine is not self.engine:
            engine.dispose()

    def drop(self) -> None:
        """Drop the MariaDB databases the test's tenants made."""
        if self.dialect != "mysql":
            return

        with self.engine.connect() as conn:
            for name in self.made:
                conn.exec_driver_sql(f"DROP DATABASE IF EXISTS `{name}`")


@pytest.fixture
def tenancy(
    database_url: t.Callable[[str], sa.URL],
    make_engine: t.Callable[..., sa.Engine],
    tmp_path: Path,
) -> t.Iterator[t.Callable[..., Tenancy]]:
    made: list[Tenancy] = []

    def make(count: int = 3) -> Tenancy:
        url = database_url("default")
        found = Tenancy(url, make_engine(url), tmp_path, count)
        made.append(found)
        return found

    yield make

    for found in made:
        found.drop()


@pytest.fixture
def tenant_env(
    tenancy: t.Callable[..., Tenancy],
    make_env: t.Callable[..., Environment],
    revisions: t.Any,
) -> t.Callable[..., tuple[Environment, Tenancy]]:
    """An environment whose tenants are listed by a :class:`Tenancy`, with
    the history r1 (table ``account``) and r2 (a unique index on its
    email, which a tenant holding the same email twice cannot take).
    """

    def make(count: int = 3, **options: t.Any) -> tuple[Environment, Tenancy]:
        found = tenancy(count)
        env = make_env(
            sa.MetaData(), found.engine, {"tenants": found.source, **options}
        )
        _write_history(revisions)
        return env, found

    return make


def _write_history(revisions: t.Any) -> None:
    """r1 (table ``account``) and r2 (a unique index on its email)."""
    revisions.write(
        "r1",
        None,
        """
        op.create_table(
            "account",
            sa.Column("id", sa.Integer, primary_key=True),
            sa.Column("email", sa.String(50)),
        )
        """,
        "op.drop_table('account')",
    )
    revisions.write(
        "r2",
        "r1",
        "op.create_index('account_email', 'account', ['email'], unique=True)",
        "op.drop_index('account_email', 'account')",
    )


def test_upgrade_migrates_each_tenant(
    tenant_env: t.Callable[..., tuple[Environment, Tenancy]],
    tables: t.Callable[..., set[str]],
) -> None:
    """Each tenant gets its own tables and version row, in its schema,
    database or file; the primary database is left alone.
    """
    env, found = tenant_env(3)
    report = env.tenants.upgrade(workers=2)
    assert [r.outcome for r in report.results] == ["migrated"] * 3
    assert [r.after for r in report.results] == [["r2"]] * 3

    for name in found.names:
        assert found.tables(name) == {"account", "alembic_version"}
        assert found.versions(name) == ["r2"]

    assert tables(found.engine) == set()
    status = env.tenants.status()
    assert [(s.tenant, s.current, s.behind) for s in status] == [
        (n, ("r2",), 0) for n in found.names
    ]


def test_rerun_skips_tenants_at_head_without_their_lock(
    tenant_env: t.Callable[..., tuple[Environment, Tenancy]],
) -> None:
    """A rerun touches only the tenant behind: the others are skipped after
    a plain read, even while another runner holds their migration lock.
    """
    env, found = tenant_env(3, lock_timeout=0.5)
    env.tenants.upgrade()
    env.tenants.downgrade("r1", tenants=[found.names[2]])
    assert env.tenants.status()[2].behind == 1
    locks = []

    for name in found.names[:2]:
        engine = env.tenancy.engine(name)
        schema = found.schema(name)
        locks.append(acquire(name, engine, "alembic_version", schema, 5))

    try:
        report = env.tenants.upgrade()
    finally:
        for lock in locks:
            if lock is not None:
                lock.release()

    assert [r.outcome for r in report.results] == ["skipped", "skipped", "migrated"]
    assert found.versions(found.names[2]) == ["r2"]


def test_failing_tenant_is_reported_and_others_reach_head(
    tenant_env: t.Callable[..., tuple[Environment, Tenancy]],
) -> None:
    """A tenant whose data breaks r2 fails alone: the others reach head,
    the report names exactly that one, and it stays at r1.
    """
    env, found = tenant_env(4)
    env.tenants.upgrade("r1")
    bad = found.names[1]
    found.execute(bad, "INSERT INTO {}account (email) VALUES ('a@x'), ('a@x')")
    report = env.tenants.upgrade(workers=3)
    assert report.failed == [bad]
    assert not report.ok
    failed = report.results[1]
    assert failed.before == failed.after == ["r1"]
    assert failed.error is not None and "\n" not in failed.error
    assert "r2" in failed.error

    for name in found.names:
        assert found.versions(name) == (["r1"] if name == bad else ["r2"])

    assert report.counts() == {"migrated": 3, "failed": 1}


def test_stop_on_error_and_canary_stop_the_run(
    tenant_env: t.Callable[..., tuple[Environment, Tenancy]],
) -> None:
    """With ``stop_on_error`` no tenant starts after a failure; a canary
    that fails stops the run before the other tenants.
    """
    env, found = tenant_env(4)
    env.tenants.upgrade("r1")
    first = found.names[0]
    found.execute(first, "INSERT INTO {}account (email) VALUES ('a@x'), ('a@x')")
    report = env.tenants.upgrade(stop_on_error=True)
    assert [r.outcome for r in report.results] == ["failed"] + ["not run"] * 3
    report = env.tenants.upgrade(canary=2, workers=4)
    assert [r.outcome for r in report.results] == [
        "failed",
        "migrated",
        "not run",
        "not run",
    ]

    for name in found.names[2:]:
        assert found.versions(name) == ["r1"]


def test_resume_runs_only_unfinished_tenants(
    tenant_env: t.Callable[..., tuple[Environment, Tenancy]],
) -> None:
    """``resume`` with a report (read back from JSON) runs only the tenants
    it did not finish.
    """
    env, found = tenant_env(3)
    env.tenants.upgrade("r1")
    bad = found.names[0]
    found.execute(bad, "INSERT INTO {}account (email) VALUES ('a@x'), ('a@x')")
    report = env.tenants.upgrade(stop_on_error=True)
    assert report.unfinished == found.names
    found.execute(bad, "DELETE FROM {}account")
    saved = TenantReport.from_json(report.to_json())
    again = env.tenants.upgrade(resume=saved, tenants=found.names[1:])
    assert [r.tenant for r in again.results] == found.names[1:]
    assert [r.outcome for r in again.results] == ["migrated"] * 2
    assert found.versions(bad) == ["r1"]

    with pytest.raises(ConfigurationError, match="resume it with its own command"):
        env.tenants.downgrade("base", resume=saved)


def test_create_brings_a_new_tenant_to_head(
    tenant_env: t.Callable[..., tuple[Environment, Tenancy]],
) -> None:
    """``create`` makes a listed tenant's schema, database or file and
    brings it to head; it refuses one that exists, or is not listed.
    """
    env, found = tenant_env(1)
    new = found.name(7)
    found.names.append(new)
    result = env.tenants.create(new)
    assert (result.outcome, result.after) == ("migrated", ["r2"])
    assert found.versions(new) == ["r2"]

    with pytest.raises(ConfigurationError, match="exists already"):
        env.tenants.create(new)

    with pytest.raises(ConfigurationError, match="No tenant named 'nope'"):
        env.tenants.create("nope")


def test_stamp_and_downgrade_per_tenant(
    tenant_env: t.Callable[..., tuple[Environment, Tenancy]],
) -> None:
    """Downgrade and stamp work on the tenants named, and nothing else."""
    env, found = tenant_env(2)
    env.tenants.upgrade()
    one, two = found.names
    env.tenants.downgrade("base", tenants=[one])
    assert found.tables(one) == {"alembic_version"}
    report = env.tenants.stamp("r1", tenants=[two])
    assert [r.outcome for r in report.results] == ["migrated"]
    assert found.versions(two) == ["r1"]
    assert "account" in found.tables(two)
    again = env.tenants.stamp("r1", tenants=[two])
    assert [r.outcome for r in again.results] == ["skipped"]


def test_bad_input_changes_nothing(
    tenant_env: t.Callable[..., tuple[Environment, Tenancy]],
) -> None:
    """An unknown tenant, a bad name from the source, a source that raises
    or no workers: one clear error, and no tenant is touched.
    """
    env, found = tenant_env(2)

    with pytest.raises(ConfigurationError, match="No tenant named 'ghost'"):
        env.tenants.upgrade(tenants=["ghost"])

    with pytest.raises(ConfigurationError, match="number of workers is 0"):
        env.tenants.upgrade(workers=0)

    found.names.append("bad-name; DROP")

    with pytest.raises(ConfigurationError, match="Tenant name .* is not allowed"):
        env.tenants.upgrade()

    found.names.pop()

    def broken() -> list[str]:
        raise LookupError("tenant table is gone")

    other = Environment(
        env.settings.__class__.from_mappings(
            {"tenants": broken}, root=env.settings.root
        ),
        env.targets,
    )

    with pytest.raises(ConfigurationError, match="source raised LookupError"):
        other.tenants.upgrade()

    with pytest.raises(RevisionError, match="Can.t locate revision"):
        env.tenants.upgrade("nothere")

    for name in found.names:
        assert not env.tenancy.exists(name) or found.versions(name) == []


WORKER = """\
import json, sys
import sqlalchemy as sa
from alembic_envkit import Environment, Settings, Targets

url, root, out, names = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
engine = sa.create_engine(url)
options = {"tenants": lambda: names, "lock_timeout": 120}
settings = Settings.from_mappings(options, root=root)
env = Environment(settings, Targets(sa.MetaData(), engine))

try:
    report = env.tenants.upgrade()
    with open(out, "w") as f:
        f.write(report.to_json())
finally:
    arrive("done")
    env.close()
    engine.dispose()
"""


def test_two_fan_outs_migrate_each_tenant_once(
    tenancy: t.Callable[..., Tenancy],
    revisions: t.Any,
    race: t.Callable[[int], t.Any],
    tmp_path: Path,
) -> None:
    """Two fan-outs in two processes at once: each tenant's revision runs
    exactly once. They overlap inside the first tenant's revision (one runs
    it while the other is refused the lock), and the one refused finds the
    work done when the lock is its.
    """
    found = tenancy(3)
    barrier = race(2)
    wait = textwrap.indent(barrier.inside, "        ").lstrip()
    revisions.write(
        "r1",
        None,
        f"""
        {wait}
        op.create_table("runs", sa.Column("pid", sa.Integer))
        op.execute("INSERT INTO runs (pid) VALUES (" + str(os.getpid()) + ")")
        """,
    )
    text = (revisions.folder / "r1_step.py").read_text()
    (revisions.folder / "r1_step.py").write_text("import os\n" + text)
    worker = tmp_path / "worker.py"
    worker.write_text(barrier.start + WORKER)
    found.made.update(found.names)
    running = [
        subprocess.Popen(
            [
                sys.executable,
                str(worker),
                found.url.render_as_string(hide_password=False),
                str(tmp_path),
                str(tmp_path / f"report{n}.json"),
                *found.names,
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for n in range(2)
    ]
    errors = [p.communicate(timeout=300)[1] for p in running]
    assert [p.returncode for p in running] == [0, 0], errors
    reports = [json.loads((tmp_path / f"report{n}.json").read_text()) for n in range(2)]

    for name in found.names:
        assert len(found.rows(name, "SELECT pid FROM {}runs")) == 1
        outcomes = sorted(
            r["outcome"]
            for rep in reports
            for r in rep["tenants"]
            if r["tenant"] == name
        )
        assert "migrated" in outcomes
        assert outcomes.count("migrated") == 1

    first = sorted(
        r["outcome"]
        for rep in reports
        for r in rep["tenants"]
        if r["tenant"] == found.names[0]
    )
    assert first == ["already at target", "migrated"]
    assert (barrier.arrived("inside"), barrier.arrived("waiting")) == (1, 1)


@pytest.mark.parametrize("dialect", ["sqlite"], indirect=True)
def test_sqlite_tenant_folder_setting(
    make_env: t.Callable[..., Environment],
    revisions: t.Any,
    tmp_path: Path,
) -> None:
    """On SQLite, ``tenant_folder`` puts the tenants' files in a folder of
    their own, made on first use.
    """
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'main.sqlite'}")
    env = make_env(
        sa.MetaData(),
        engine,
        {"tenants": lambda: ["acme", "globex"], "tenant_folder": "tenants"},
    )
    revisions.write("r1", None, "op.create_table('a', sa.Column('id', sa.Integer))")
    report = env.tenants.upgrade()
    assert report.ok
    assert sorted(os.listdir(tmp_path / "tenants")) == [
        "acme.sqlite",
        "globex.sqlite",
    ]
    engine.dispose()


def _invoke(env: Environment, *args: str) -> t.Any:
    from click.testing import CliRunner

    from alembic_envkit import make_group

    return CliRunner().invoke(make_group(lambda: env), list(args))


def test_cli_upgrade_current_and_report(
    tenant_env: t.Callable[..., tuple[Environment, Tenancy]],
    tmp_path: Path,
) -> None:
    """``upgrade --tenants all`` prints a line per tenant on stderr and
    exits 1 when one fails; ``--report`` writes the JSON report that
    ``--resume`` reads; ``current --tenants all`` prints the status table,
    or JSON with ``--format json``.
    """
    env, found = tenant_env(3)
    one, two, three = found.names
    result = _invoke(env, "upgrade", "r1", "--tenants", "all", "--workers", "2")
    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    assert result.stderr.count(" migrated in ") == 3
    assert "3 tenants in" in result.stderr
    found.execute(two, "INSERT INTO {}account (email) VALUES ('a@x'), ('a@x')")
    report = tmp_path / "report.json"
    args = ["upgrade", "--tenants", "all", "--report", str(report), "-q"]
    result = _invoke(env, *args)
    assert result.exit_code == 1
    assert result.stderr.strip().splitlines() == [
        f"Error: 1 tenant not at the target ({two}); fix them and run the"
        f" command again --resume {report}."
    ]
    data = json.loads(report.read_text())
    assert [(r["tenant"], r["outcome"]) for r in data["tenants"]] == [
        (one, "migrated"),
        (two, "failed"),
        (three, "migrated"),
    ]
    assert data["tenants"][1]["from"] == data["tenants"][1]["to"] == ["r1"]

    result = _invoke(env, "current", "--tenants", "all")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["tenant", "current", "head", "behind"]
    assert [line.split() for line in lines[1:]] == [
        [one, "r2", "r2", "0"],
        [two, "r1", "r2", "1"],
        [three, "r2", "r2", "0"],
    ]
    result = _invoke(env, "current", "--tenant", two, "--format", "json")
    document = json.loads(result.stdout)
    assert [(s["tenant"], s["current"], s["behind"]) for s in document["tenants"]] == [
        (two, ["r1"], 1)
    ]

    found.execute(two, "DELETE FROM {}account")

    if found.dialect == "mysql":
        # Its DDL is not transactional: the failed revision left a mark,
        # which a stamp at the revision the tenant is at clears.
        again = _invoke(env, "upgrade", "--tenant", two)
        assert "left in the middle of the upgrade of revision r2" in again.stderr
        stamped = _invoke(env, "stamp", "r1", "--tenant", two)
        assert stamped.exit_code == 0, stamped.output
        assert " migrated in " in stamped.stderr, stamped.output

    result = _invoke(env, "upgrade", "--tenants", "all", "--resume", str(report))
    assert result.exit_code == 0, result.output
    assert result.stderr.count(" migrated in ") == 1
    assert found.versions(two) == ["r2"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["upgrade", "--tenant", "ghost"], "No tenant named 'ghost'"),
        (["upgrade", "--tenants", "all", "--workers", "0"], "number of workers is 0"),
        (["current", "--tenants", "all", "--workers", "-1"], "number of workers"),
        (["upgrade", "--workers", "4"], "--workers works on tenants"),
        (["upgrade", "--tenants", "all", "--snapshot"], "--snapshot is for one"),
        (["upgrade", "--tenants", "all", "--plan", "--sql"], "--sql and --plan"),
        (["stamp", "--tenants", "all", "--purge", "--sql"], "--sql and --purge"),
        (["upgrade", "--tenants", "all", "--phase", "later"], "'later' is not one of"),
        (["stamp", "--tenants", "some"], "'some' is not 'all'"),
        (["tenant", "create", "bad-name"], "Tenant name 'bad-name' is not allowed"),
    ],
)
def test_cli_bad_input(
    tenant_env: t.Callable[..., tuple[Environment, Tenancy]],
    args: list[str],
    message: str,
) -> None:
    """Bad tenant input: one line naming the problem, a non-zero exit, no
    traceback, and no tenant made.
    """
    env, found = tenant_env(2)
    result = _invoke(env, *args)
    assert result.exit_code in (1, 2)
    assert message in result.stderr
    assert "Traceback" not in result.output
    assert env.tenancy.existing(found.names) == set()


def test_cli_tenant_create(
    tenant_env: t.Callable[..., tuple[Environment, Tenancy]],
) -> None:
    """``tenant create NAME`` brings a new tenant to head, ``tenant list``
    lists them."""
    env, found = tenant_env(1)
    result = _invoke(env, "tenant", "create", found.names[0])
    assert result.exit_code == 0, result.output
    assert found.versions(found.names[0]) == ["r2"]
    assert _invoke(env, "tenant", "list").stdout.split() == found.names


def test_create_loads_the_snapshot_where_the_layout_allows(
    tenancy: t.Callable[..., Tenancy],
    make_env: t.Callable[..., Environment],
    revisions: t.Any,
    tmp_path: Path,
) -> None:
    """A new tenant gets the newest snapshot on every dialect (on
    PostgreSQL, rewritten for its schema), so the revisions it stands for
    do not run again.
    """
    found = tenancy(0)
    ran = tmp_path / "ran.txt"
    revisions.write(
        "r1",
        None,
        f"""
        op.create_table("account", sa.Column("id", sa.Integer, primary_key=True))
        with open({str(ran)!r}, "a") as f:
            f.write("r1 ")
        """,
    )
    env = make_env(sa.MetaData(), found.engine, {"tenants": found.source})
    env.snapshots.write()
    assert ran.read_text() == "r1 "  # The snapshot's replay.
    new = found.name(1)
    found.names.append(new)
    result = env.tenants.create(new)
    assert result.after == ["r1"]
    assert found.versions(new) == ["r1"]
    assert "account" in found.tables(new)
    assert ran.read_text() == "r1 "


@pytest.mark.parametrize("dialect", ["postgresql"], indirect=True)
def test_postgresql_connections_return_to_the_pool_as_they_were(
    tenant_env: t.Callable[..., tuple[Environment, Tenancy]],
) -> None:
    """The tenants share the primary's pool, and every connection they used
    is back in it with the ``search_path`` it had before.
    """
    env, found = tenant_env(4)

    with found.engine.connect() as conn:
        before = conn.exec_driver_sql("SHOW search_path").scalar()

    report = env.tenants.upgrade(workers=4)
    assert report.ok
    assert env.tenancy.engine(found.names[0]) is found.engine
    pool = found.engine.pool
    held = [found.engine.connect() for _ in range(pool.checkedin())]

    try:
        paths = {c.exec_driver_sql("SHOW search_path").scalar() for c in held}
    finally:
        for conn in held:
            conn.close()

    assert len(held) >= 4
    assert paths == {before}


@pytest.mark.parametrize("dialect", ["postgresql"], indirect=True)
def test_postgresql_schema_made_by_another_session_meanwhile(
    tenant_env: t.Callable[..., tuple[Environment, Tenancy]],
) -> None:
    """Two runners making a new tenant's schema at once both go on: the
    one whose CREATE SCHEMA IF NOT EXISTS waited on the other's finds the
    schema there. The overlap is forced: the other session holds its
    uncommitted CREATE SCHEMA until this one is seen waiting on it.
    """
    env, found = tenant_env(1)
    name = found.names[0]
    errors: list[BaseException] = []
    other = found.engine.connect()
    other.exec_driver_sql(f'CREATE SCHEMA "{name}"')

    def make() -> None:
        try:
            env.tenancy.create(name)
        except BaseException as e:  # Reported by the assertion below.
            errors.append(e)

    thread = threading.Thread(target=make)
    thread.start()
    waiting = sa.text(
        "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
        " AND query LIKE 'CREATE SCHEMA IF NOT EXISTS%'"
    )

    with found.engine.connect() as watch:
        for _ in range(3000):
            if watch.execute(waiting).scalar():
                break

            watch.rollback()
            time.sleep(0.01)  # Polls for the lock wait; the order is forced.

    other.commit()
    other.close()
    thread.join(30)
    assert errors == []
    assert env.tenancy.exists(name)


def _run_script(found: Tenancy, tenant: str, script: str) -> None:
    """Run an offline script as its reader would: on SQLite, on the
    tenant's file; on the servers, on the primary's database.
    """
    if found.dialect == "sqlite":
        with sqlite3.connect(found.folder / f"{tenant}.sqlite") as conn:
            conn.executescript(script)

        return

    lines = [x for x in script.splitlines() if not x.startswith("--")]

    with found.engine.connect() as conn:
        for statement in "\n".join(lines).split(";\n"):
            if statement.strip():
                conn.exec_driver_sql(statement)

        conn.commit()


def test_cli_sql_writes_one_script_per_tenant(
    tenant_env: t.Callable[..., tuple[Environment, Tenancy]],
    tmp_path: Path,
) -> None:
    """``upgrade --sql --tenants all`` writes one script per tenant without
    connecting; each script, run on its own, makes the tenant's schema or
    database and brings it to head.
    """
    env, found = tenant_env(2)
    one, two = found.names
    result = _invoke(env, "upgrade", "--tenants", "all", "--sql")
    assert result.exit_code == 0, result.output
    assert result.stdout.count("-- tenant: ") == 2
    out = tmp_path / "scripts"
    args = ["upgrade", "--tenants", "all", "--sql", "--output-dir", str(out)]
    result = _invoke(env, *args)
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir()) == [f"{one}.sql", f"{two}.sql"]
    assert env.tenancy.existing(found.names) == set()
    _run_script(found, one, (out / f"{one}.sql").read_text())
    status = env.tenants.status()
    assert [(s.tenant, s.current) for s in status] == [(one, ("r2",)), (two, ())]
    assert "account" in found.tables(one)
    result = _invoke(env, "upgrade", "--tenants", "all", "--sql", "--workers", "2")
    assert result.exit_code == 2
    assert "--sql and --workers cannot be used together" in result.stderr


def _contract_r3(revisions: t.Any) -> None:
    """Add r3, a contract revision after r2 that drops the email column's
    index, to the history of ``tenant_env``.
    """
    path: Path = revisions.write(
        "r3",
        "r2",
        "op.drop_index('account_email', 'account')",
        "op.create_index('account_email', 'account', ['email'], unique=True)",
    )
    text = path.read_text()
    path.write_text(
        text.replace("depends_on = None\n", "depends_on = None\nphase = 'contract'\n")
    )


def test_expand_phase_over_tenants(
    tenant_env: t.Callable[..., tuple[Environment, Tenancy]],
    revisions: t.Any,
    tmp_path: Path,
) -> None:
    """``upgrade --tenants all --phase expand`` brings each tenant, whatever
    its revision, up to the contract step and no further, says how many it
    held back, and records the phase in the report; the plan shows what the
    contract step will run; a plain upgrade then runs it.
    """
    env, found = tenant_env(3)
    _contract_r3(revisions)
    one, two, three = found.names
    env.tenants.upgrade("r1", tenants=[two])
    report = tmp_path / "expand.json"
    args = ["upgrade", "--tenants", "all", "--phase", "expand", "--report", str(report)]
    result = _invoke(env, *args)
    assert result.exit_code == 0, result.output
    assert "Held back for the contract step on 3 tenants" in result.stderr

    for name in found.names:
        assert found.versions(name) == ["r2"]
        assert found.rows(name, "SELECT count(*) FROM {}account") == [0]

    assert json.loads(report.read_text())["phase"] == "expand"
    again = env.tenants.upgrade(phase="expand")
    assert again.counts() == {"skipped": 3}

    planned = env.tenants.plan()
    assert {n: [r.revision for r in items] for n, items in planned.items()} == {
        n: ["r3"] for n in found.names
    }
    assert env.tenants.plan(phase="expand") == {n: [] for n in found.names}

    # A report of the expand run is not resumed by a plain one.
    args = ["upgrade", "--tenants", "all", "--resume", str(report)]
    result = _invoke(env, *args)
    assert result.exit_code == 1
    assert "is of 'upgrade heads --phase expand', not 'upgrade heads'" in result.stderr

    final = env.tenants.upgrade(workers=2)
    assert final.counts() == {"migrated": 3}
    assert final.phase is None

    for name in found.names:
        assert found.versions(name) == ["r3"]


def test_plan_over_tenants_changes_nothing(
    tenant_env: t.Callable[..., tuple[Environment, Tenancy]],
) -> None:
    """``upgrade --plan`` and ``downgrade --plan`` with tenants list what each
    would run, tenants alike together in text and each in JSON, without
    making a schema, database or file, or changing a version table.
    """
    env, found = tenant_env(3)
    one, two, three = found.names
    env.tenants.upgrade(tenants=[one])
    env.tenants.upgrade("r1", tenants=[two])
    result = _invoke(env, "upgrade", "--tenants", "all", "--plan")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        f"1 tenant ({one}): nothing to run",
        f"1 tenant ({two}):",
        "  upgrade r2",
        f"1 tenant ({three}):",
        "  upgrade r1",
        "  upgrade r2",
    ]
    args = ["downgrade", "base", "--tenant", one, "--tenant", two, "--plan"]
    result = _invoke(env, *args, "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["direction"] == "downgrade"
    assert {
        n: [r["revision"] for r in items] for n, items in data["tenants"].items()
    } == {
        one: ["r2", "r1"],
        two: ["r1"],
    }
    assert env.tenancy.existing(found.names) == {one, two}
    assert found.versions(one) == ["r2"]
    assert found.versions(two) == ["r1"]


def test_stamp_purge_over_tenants(
    tenant_env: t.Callable[..., tuple[Environment, Tenancy]],
) -> None:
    """A tenant whose version table names a revision that no longer exists
    can't be stamped; ``stamp --purge`` empties each version table first,
    and the stamp then records the target on every tenant.
    """
    env, found = tenant_env(2)
    one, two = found.names
    env.tenants.upgrade("r1")
    found.execute(two, "UPDATE {}alembic_version SET version_num = 'gone'")
    result = _invoke(env, "stamp", "r2", "--tenants", "all")
    assert result.exit_code == 1
    assert f"1 tenant not at the target ({two})" in result.stderr
    assert found.versions(one) == ["r2"]
    assert found.versions(two) == ["gone"]
    result = _invoke(env, "stamp", "r1", "--tenants", "all", "--purge")
    assert result.exit_code == 0, result.output
    assert found.versions(one) == ["r1"]
    assert found.versions(two) == ["r1"]
    assert found.tables(two) == {"account", "alembic_version"}


def test_sql_over_tenants_in_the_expand_phase(
    tenant_env: t.Callable[..., tuple[Environment, Tenancy]],
    revisions: t.Any,
) -> None:
    """``upgrade --sql --phase expand`` writes each tenant's script without
    the contract revision; without the phase, the script has it.
    """
    env, found = tenant_env(1)
    _contract_r3(revisions)
    args = ["upgrade", "--tenants", "all", "--sql"]
    expand = _invoke(env, *args, "--phase", "expand")
    assert expand.exit_code == 0, expand.output
    everything = _invoke(env, *args)
    assert everything.exit_code == 0, everything.output
    assert "Running upgrade r2 -> r3" not in expand.stdout
    assert "DROP INDEX" not in expand.stdout.upper()
    assert "Running upgrade r2 -> r3" in everything.stdout
    assert env.tenancy.existing(found.names) == set()


class _CountingConnection(sqlite3.Connection):
    """A pysqlite connection that counts how many were opened."""

    opened = 0

    def __init__(self, *args: t.Any, **kwargs: t.Any) -> None:
        super().__init__(*args, **kwargs)
        type(self).opened += 1


def test_tenant_engine_options_reach_tenant_engines(
    tenant_env: t.Callable[..., tuple[Environment, Tenancy]],
    revisions: t.Any,
    dialect: str,
) -> None:
    """The ``tenant_engine_options`` setting is given to ``create_engine``
    for the engines made for tenants: MariaDB's ``init_command`` runs on a
    tenant's connections, SQLite's connection factory makes them. On
    PostgreSQL, tenants use the primary's engine and its own options; the
    setting, which would break a connection there, is not used.
    """
    probe = {
        "mariadb": {"connect_args": {"init_command": "SET @envkit_probe = 'set'"}},
        "sqlite": {"connect_args": {"factory": _CountingConnection}},
        "postgresql": {"connect_args": {"options": "-c no_such_setting=1"}},
    }
    env, found = tenant_env(1, tenant_engine_options=probe[dialect])
    (name,) = found.names

    if dialect == "mariadb":
        revisions.write(
            "r3",
            "r2",
            """
            op.create_table("probe", sa.Column("value", sa.String(10)))
            op.execute("INSERT INTO probe (value) SELECT @envkit_probe")
            """,
            "op.drop_table('probe')",
        )

    before = _CountingConnection.opened
    report = env.tenants.upgrade()
    assert report.ok, report.results
    assert found.versions(name) == (["r3"] if dialect == "mariadb" else ["r2"])

    if dialect == "mariadb":
        assert found.rows(name, "SELECT value FROM {}probe") == ["set"]
    elif dialect == "sqlite":
        assert _CountingConnection.opened > before


def test_tenant_engine_options_refused_change_nothing(
    tenant_env: t.Callable[..., tuple[Environment, Tenancy]],
    dialect: str,
) -> None:
    """Options ``create_engine`` refuses (on the dialects that make engines
    for tenants), or a setting that is not a dict, stop the command with
    one line naming the setting, before any tenant is made.
    """
    if dialect == "postgresql":
        options: t.Any = ["connect_args"]
        message = "'tenant_engine_options' setting must be a dict"
    else:
        options = {"pool_size": 5}
        message = "create_engine refuses the 'tenant_engine_options' setting"

    env, found = tenant_env(2, tenant_engine_options=options)
    result = _invoke(env, "upgrade", "--tenants", "all")
    assert result.exit_code == 1
    assert message in result.stderr
    assert "Traceback" not in result.output

    if dialect == "sqlite":
        assert list(found.folder.glob("*.sqlite")) == []
    else:
        made = set(sa.inspect(found.engine).get_schema_names())
        assert made.isdisjoint(found.names)


def test_tenants_of_a_multidb_environment(
    tenancy: t.Callable[..., Tenancy],
    database_url: t.Callable[[str], sa.URL],
    make_engine: t.Callable[..., sa.Engine],
    make_env: t.Callable[..., Environment],
    revisions: t.Any,
    tables: t.Callable[..., set[str]],
    versions: t.Callable[..., set[str]],
) -> None:
    """With several databases (the ``multidb`` template), tenants are copies
    of the primary one: a tenant runs each revision's ``upgrade_default()``
    alone, and the other databases and the primary are left to the
    commands without ``--tenant``.
    """
    found = tenancy(2)
    auth = make_engine(database_url("auth"))
    env = make_env(
        {"default": sa.MetaData(), "auth": sa.MetaData()},
        {"default": found.engine, "auth": auth},
        {"tenants": found.source},
    )
    revisions.write_multidb("r1", None)
    revisions.write_multidb("r2", "r1")
    report = env.tenants.upgrade(workers=2)
    assert report.counts() == {"migrated": 2}

    for name in found.names:
        assert found.tables(name) == {"d_r1", "d_r2", "alembic_version"}
        assert found.versions(name) == ["r2"]

    assert tables(auth) == set()
    assert tables(found.engine) == set()
    env.upgrade()
    assert versions(auth) == {"r2"}
    assert {"a_r1", "a_r2"} <= tables(auth)
    assert {"d_r1", "d_r2"} <= tables(found.engine)
    assert [s.behind for s in env.tenants.status()] == [0, 0]


def test_wait_for_tenants_at_head(
    tenant_env: t.Callable[..., tuple[Environment, Tenancy]],
) -> None:
    """``wait --tenants all`` exits 0 once every tenant is at head, and 1
    naming the tenants behind when the time runs out; a wait started
    before another runner upgrades the last tenant returns once it has.
    """
    env, found = tenant_env(2)
    one, two = found.names
    env.tenants.upgrade(tenants=[one])
    result = _invoke(env, "wait", "--tenants", "all", "--timeout", "0")
    assert result.exit_code == 1
    assert f"Not at head after 0s: 1 tenant ({two})." in result.stderr
    result = _invoke(env, "wait", "--tenant", one, "--timeout", "0")
    assert result.exit_code == 0, result.output
    assert "Every tenant is at head." in result.stderr

    waited: list[bool] = []
    waiting = threading.Thread(
        target=lambda: waited.append(
            env.tenants.wait_for_head(60, interval=0.05, tenants=[two])
        )
    )
    waiting.start()
    env.tenants.upgrade(tenants=[two])
    waiting.join()
    assert waited == [True]
    assert found.versions(two) == ["r2"]


#: The async driver of each dialect.
ASYNC_DRIVERS = {
    "sqlite": "sqlite+aiosqlite",
    "postgresql": "postgresql+asyncpg",
    "mariadb": "mysql+aiomysql",
}


def test_tenants_on_an_async_engine(
    tenancy: t.Callable[..., Tenancy],
    make_env: t.Callable[..., Environment],
    make_async_engine: t.Callable[..., t.Any],
    revisions: t.Any,
    dialect: str,
) -> None:
    """With an async engine for the primary database, tenants are reached
    through async engines too: the fan-out runs each tenant on an event
    loop of its worker thread, and the reads, the plan, ``tenant create``
    and the CLI work as with sync engines, from sync code and from a
    running event loop through ``run_async``.
    """
    found = tenancy(3)
    primary = make_async_engine(found.url.set(drivername=ASYNC_DRIVERS[dialect]))
    env = make_env(sa.MetaData(), primary, {"tenants": found.source})
    _write_history(revisions)
    one, two, three = found.names
    report = env.tenants.upgrade(tenants=[one, two], workers=2)
    assert report.counts() == {"migrated": 2}, report.results

    for name in (one, two):
        assert found.versions(name) == ["r2"]
        assert found.tables(name) == {"account", "alembic_version"}

    assert env.tenants.create(three).after == ["r2"]
    assert env.tenants.downgrade("r1", tenants=[two]).counts() == {"migrated": 1}
    planned = env.tenants.plan()
    assert {n: [r.revision for r in items] for n, items in planned.items()} == {
        one: [],
        two: ["r2"],
        three: [],
    }

    async def read() -> list[t.Any]:
        # On the caller's loop, with the engine's own pool: emptied on the
        # same loop, before it closes.
        try:
            return await env.run_async(env.tenants.status)
        finally:
            await primary.dispose()

    statuses = asyncio.run(read())
    assert [s.behind for s in statuses] == [0, 1, 0]
    result = _invoke(env, "upgrade", "--tenants", "all", "--workers", "3")
    assert result.exit_code == 0, result.output
    assert "3 tenants in" in result.stderr
    assert [found.versions(n) for n in found.names] == [["r2"]] * 3
    result = _invoke(env, "current", "--tenants", "all", "--check-heads")
    assert result.exit_code == 0, result.output


# check, verify and lint on tenants


def _models() -> sa.MetaData:
    """The models of r1 and r2: ``account`` with a unique index on email."""
    metadata = sa.MetaData()
    sa.Table(
        "account",
        metadata,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("email", sa.String(50)),
        sa.Index("account_email", "email", unique=True),
    )
    return metadata


@pytest.fixture
def checked_env(
    tenant_env: t.Callable[..., tuple[Environment, Tenancy]],
) -> t.Iterator[t.Callable[..., tuple[Environment, Tenancy]]]:
    """Like ``tenant_env``, with the models of r1 and r2 as the metadata,
    ids as the tests write them, and the tenants at head.
    """
    made: list[Environment] = []

    def make(count: int = 3, **options: t.Any) -> tuple[Environment, Tenancy]:
        options.setdefault("revision_id_pattern", "r[0-9]+")
        env, found = tenant_env(count, **options)
        models = Environment(env.settings, Targets(_models(), found.engine))
        made.append(models)
        models.tenants.upgrade()
        return models, found

    yield make

    for env in made:
        env.close()


def test_check_tenants_at_head_with_matching_models(
    checked_env: t.Callable[..., tuple[Environment, Tenancy]],
) -> None:
    """Tenants at head whose tables match the models: no differences, in
    the API and on the command line, which exits 0; the primary database
    and the other tenants' version tables are not compared.
    """
    env, found = checked_env(3)
    results = env.tenants.check(workers=2)
    assert [(r.tenant, r.at_head, r.differences, r.ok) for r in results] == [
        (n, True, (), True) for n in found.names
    ]
    result = _invoke(env, "check", "--tenants", "all", "--workers", "2")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["tenant", "at", "head", "differences"]
    assert [line.split() for line in lines[1:4]] == [
        [n, "yes", "0"] for n in found.names
    ]
    assert lines[4:] == ["No changes detected."]


def test_check_reports_one_tenants_extra_column(
    checked_env: t.Callable[..., tuple[Environment, Tenancy]],
) -> None:
    """A column added by hand to one tenant is that tenant's difference
    alone; check exits 1 and lists it under that tenant.
    """
    env, found = checked_env(3)
    one, two, three = found.names
    found.execute(two, "ALTER TABLE {}account ADD COLUMN extra INTEGER")
    results = env.tenants.check([one, two, three])
    assert [len(r.differences) for r in results] == [0, 1, 0]
    kind, *_, column = results[1].differences[0]
    assert (kind, column.name) == ("remove_column", "extra")
    result = _invoke(env, "check", "--tenants", "all")
    assert result.exit_code == 1, result.output
    lines = result.stdout.splitlines()
    assert [line.split() for line in lines[1:4]] == [
        [one, "yes", "0"],
        [two, "yes", "1"],
        [three, "yes", "0"],
    ]
    assert lines[4:] == [
        f"Changes detected on tenant {two}:",
        "  remove_column account account.extra",
    ]
    result = _invoke(env, "check", "--tenant", one)
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[-1] == "No changes detected."


def test_check_names_the_tenant_behind_and_prints_json(
    checked_env: t.Callable[..., tuple[Environment, Tenancy]],
) -> None:
    """A tenant behind is not compared: check exits 1 naming it; with
    ``--format json`` each tenant has ``at_head`` and ``differences``.
    """
    env, found = checked_env(2)
    one, two = found.names
    env.tenants.downgrade("r1", tenants=[two])
    result = _invoke(env, "check", "--tenants", "all")
    assert result.exit_code == 1, result.output
    lines = result.stdout.splitlines()
    assert lines[2].split() == [two, "no", "(1", "behind)", "-"]
    assert lines[-1] == (
        f"Not at head: {two}. Run 'upgrade' on them before checking the models"
        " against them."
    )
    result = _invoke(env, "check", "--tenants", "all", "--format", "json")
    assert result.exit_code == 1, result.output
    document = json.loads(result.stdout)
    assert document["command"] == "check"
    assert document["changed"] is True
    assert [
        (r["tenant"], r["at_head"], r["behind"], r["differences"], r["error"])
        for r in document["tenants"]
    ] == [(one, True, 0, [], None), (two, False, 1, [], None)]
    assert found.versions(two) == ["r1"]


def test_check_phase_gate_per_tenant(
    checked_env: t.Callable[..., tuple[Environment, Tenancy]],
    revisions: t.Any,
) -> None:
    """``check --phase`` with tenants: expand exits 1 naming the tenant
    whose contract revision has not run, contract also names a tenant with
    any revision pending; 0 once every tenant has run them.
    """
    env, found = checked_env(3)
    one, two, three = found.names
    _contract_r3(revisions)
    env.tenants.upgrade(tenants=[one, three])
    env.tenants.downgrade("r1", tenants=[three])
    pending = env.tenants.pending("expand")
    assert {n: [r.revision for r in p] for n, p in pending.items()} == {
        one: [],
        two: ["r3"],
        three: ["r3"],
    }
    result = _invoke(env, "check", "--phase", "expand", "--tenants", "all")
    assert result.exit_code == 1, result.output
    assert result.stdout.splitlines() == [
        "Contract step pending:",
        f"  {two}: r3 (contract)",
        f"  {three}: r3 (contract)",
        "  Run 'upgrade --tenants all' once the new code is deployed everywhere.",
    ]
    args = ["check", "--phase", "contract", "--tenant", three, "--format", "json"]
    result = _invoke(env, *args)
    assert result.exit_code == 1, result.output
    document = json.loads(result.stdout)
    assert (document["phase"], document["changed"]) == ("contract", True)
    assert [r["revision"] for r in document["tenants"][three]["pending"]] == [
        "r2",
        "r3",
    ]
    result = _invoke(env, "check", "--phase", "expand", "--tenant", one)
    assert result.exit_code == 0, result.output
    assert result.stdout == "No contract step pending.\n"
    env.tenants.upgrade()
    result = _invoke(env, "check", "--phase", "contract", "--tenants", "all")
    assert result.exit_code == 0, result.output
    assert result.stdout == "No revision pending.\n"


def test_verify_reports_the_ledger_of_the_tenant_that_applied_an_edit(
    checked_env: t.Callable[..., tuple[Environment, Tenancy]],
    revisions: t.Any,
) -> None:
    """With the ledger kept, a revision edited after one tenant applied it
    is reported for that tenant only, the history checked once; JSON names
    each finding's tenant.
    """
    env, found = checked_env(2, ledger_table=True)
    one, two = found.names
    env.tenants.downgrade("r1", tenants=[two])
    result = _invoke(env, "verify", "--tenants", "all")
    assert result.exit_code == 0, result.output
    assert result.stdout == (
        "The history has no problems, and the 2 tenants applied what the files say.\n"
    )
    path = revisions.folder / "r2_step.py"
    path.write_text(path.read_text().replace("unique=True", "unique=False"))
    found_api = env.tenants.verify()
    assert found_api.history == []
    assert [(f.kind, n) for n, f in found_api.findings] == [("edited-after-apply", one)]
    result = _invoke(env, "verify", "--tenants", "all")
    assert result.exit_code == 1, result.output
    lines = result.stdout.splitlines()
    assert len(lines) == 2
    assert f"applied to tenant '{one}'" in lines[0]
    assert two not in lines[0]
    assert lines[1] == "1 error, 0 warnings."
    result = _invoke(env, "verify", "--tenant", two, "--format", "json")
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert (document["ok"], document["ledger"], document["tenants"]) == (
        True,
        True,
        [two],
    )
    result = _invoke(env, "verify", "--tenants", "all", "--format", "json")
    document = json.loads(result.stdout)
    assert [(f["kind"], f["tenant"]) for f in document["findings"]] == [
        ("edited-after-apply", one)
    ]
    assert "accept it with 'rehash r2 --reason ...'" in lines[0]

    # rehash accepts the edit on the tenant that applied it, and only there.
    result = _invoke(env, "rehash", "r2", "--reason", "index not unique")
    assert result.exit_code == 0, result.output
    assert result.stdout == (
        f"Accepted revision r2 as it is now on database 'default (tenant {one})'.\n"
    )
    result = _invoke(env, "verify", "--tenants", "all")
    assert result.exit_code == 0, result.output
    reasons = found.rows(
        one, "SELECT reason FROM {}alembic_ledger WHERE reason IS NOT NULL"
    )
    assert reasons == ["index not unique"]


def test_lint_tenants_lints_each_pending_revision_once(
    checked_env: t.Callable[..., tuple[Environment, Tenancy]],
    revisions: t.Any,
) -> None:
    """``lint --tenants all`` lints the revisions any tenant has not
    applied, each once, and says which tenants have each pending; --since
    and --all are refused with tenants.
    """
    env, found = checked_env(3)
    one, two, three = found.names
    env.tenants.downgrade("r1", tenants=[two])
    revisions.write("r3", "r2", "op.drop_column('account', 'email')")
    found_api = env.tenants.lint()
    assert found_api.pending == {"r2": [two], "r3": [one, two, three]}
    assert found_api.report.revisions == 2
    assert [
        f.revision for f in found_api.report.findings if f.rule == "drop-column"
    ] == ["r3"]
    result = _invoke(env, "lint", "--tenants", "all")
    assert result.exit_code == 1, result.output
    assert result.stdout.count("drop-column") == 1
    assert result.stdout.splitlines()[-3:] == [
        "Pending on tenants:",
        f"  r2: {two}",
        f"  r3: {one}, {two}, {three}",
    ]
    result = _invoke(env, "lint", "--tenant", one, "--format", "json")
    document = json.loads(result.stdout)
    assert (document["ok"], document["revisions"]) == (False, 1)
    assert document["pending"] == {"r3": [one]}
    env.tenants.upgrade("r2")
    result = _invoke(env, "lint", "--tenant", two, "--format", "sarif")
    assert json.loads(result.stdout)["version"] == "2.1.0"
    result = _invoke(env, "lint", "--tenants", "all", "--all")
    assert result.exit_code == 2
    assert "leave out --tenant and --tenants" in result.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["check", "--tenant", "ghost"], "No tenant named 'ghost'"),
        (["check", "--tenants", "all", "--workers", "0"], "number of workers is 0"),
        (["verify", "--tenant", "ghost"], "No tenant named 'ghost'"),
        (["verify", "--tenants", "all", "--workers", "0"], "number of workers is 0"),
        (["lint", "--tenant", "ghost"], "No tenant named 'ghost'"),
        (["lint", "--tenants", "all", "--workers", "-2"], "number of workers is -2"),
        (["lint", "--workers", "2"], "--workers works on tenants"),
        (["check", "--tenant", "x", "--tenants", "all"], "not both"),
        (["check", "--phase", "expand", "--tenant", "ghost"], "No tenant named"),
    ],
)
def test_cli_checks_bad_input(
    tenant_env: t.Callable[..., tuple[Environment, Tenancy]],
    args: list[str],
    message: str,
) -> None:
    """Bad tenant input to check, verify and lint: one line naming the
    problem, a non-zero exit, no traceback, and no tenant made.
    """
    env, found = tenant_env(2)
    result = _invoke(env, *args)
    assert result.exit_code in (1, 2)
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 or result.exit_code == 2
    assert "Traceback" not in result.output
    assert env.tenancy.existing(found.names) == set()


@pytest.mark.parametrize("dialect", ["postgresql"], indirect=True)
def test_postgresql_check_with_include_schemas_compares_the_tenant_alone(
    checked_env: t.Callable[..., tuple[Environment, Tenancy]],
) -> None:
    """With ``include_schemas``, a tenant's comparison leaves out the other
    tenants' schemas, its own schema by name (its tables are compared as
    the default schema's) and the primary's ``public``; a schema of the
    application's own is still compared.
    """
    env, found = checked_env(2)
    settings = env.settings
    context = {**settings.context, "include_schemas": True}
    wide = Environment(
        settings.__class__(settings.options, context, settings.root),
        Targets(_models(), found.engine),
    )

    with found.engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE public_only (id INTEGER)")

    try:
        results = wide.tenants.check()
        assert [r.differences for r in results] == [(), ()]
        schema = f"{found.prefix}_extra"
        found.made.add(schema)

        with found.engine.begin() as conn:
            conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
            conn.exec_driver_sql(f'CREATE TABLE "{schema}".other (id INTEGER)')

        try:
            results = wide.tenants.check()
        finally:
            with found.engine.begin() as conn:
                conn.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')

        kinds = [
            [(d[0], d[1].schema, d[1].name) for d in r.differences] for r in results
        ]
        assert kinds == [[("remove_table", schema, "other")]] * 2
    finally:
        wide.close()


def test_checks_make_no_tenant(
    tenant_env: t.Callable[..., tuple[Environment, Tenancy]],
) -> None:
    """check, verify and lint on tenants not made yet read nothing they
    would have to make: check exits 1 saying so, and no schema, database or
    file appears.
    """
    env, found = tenant_env(2, ledger_table=True)
    result = _invoke(env, "check", "--tenants", "all")
    assert result.exit_code == 1, result.output
    assert [line.split()[1:] for line in result.stdout.splitlines()[1:3]] == [
        ["no", "(not", "made)", "-"]
    ] * 2
    assert _invoke(env, "verify", "--tenants", "all").exit_code == 0
    assert env.tenants.lint().pending == {"r1": found.names, "r2": found.names}
    assert env.tenancy.existing(found.names) == set()


def test_revision_autogenerated_against_a_tenant(
    tenant_env: t.Callable[..., tuple[Environment, Tenancy]],
    revisions: t.Any,
) -> None:
    """``revision --autogenerate --tenant NAME`` compares the models with
    that tenant instead of the primary database, which holds no tables: the
    new revision adds only the new column, not naming the tenant. An
    unknown tenant, or one not made yet, is one line and no file.
    """
    env, found = tenant_env(2, revision_id_pattern="r[0-9]+")
    one, two = found.names
    env.tenants.upgrade(tenants=[one])
    models = _models()
    models.tables["account"].append_column(sa.Column("note", sa.String(20)))
    with_note = Environment(env.settings, Targets(models, found.engine))

    try:
        for args, message in [
            (["--tenant", "ghost"], "No tenant named 'ghost'"),
            (["--tenant", two], f"Tenant {two!r} has no"),
        ]:
            result = _invoke(
                with_note, "revision", "-m", "note", "--rev-id", "r3", *args
            )
            assert result.exit_code == 1
            assert message in result.stderr
            assert "Traceback" not in result.output
            assert not (revisions.folder / "r3_note.py").exists()

        args = ["revision", "-m", "note", "--rev-id", "r3", "--tenant", one]
        result = _invoke(with_note, *args)
        assert result.exit_code == 0, result.output
        text = (revisions.folder / "r3_note.py").read_text()
        # SQLite's revisions alter tables in batches.
        assert "add_column(sa.Column('note'" in text or (
            "op.add_column('account', sa.Column('note'" in text
        )
        assert "create_table" not in text
        assert one not in text
        report = env.tenants.upgrade(tenants=[one])
        assert report.ok, report.results
        assert found.rows(one, "SELECT count(note) FROM {}account") == [0]
    finally:
        with_note.close()


#: A first revision whose snapshot holds what a tenant's copy must get
#: right: defaults from sequences, a constraint of each kind, an index, a
#: view and a row; on PostgreSQL also an enum, an identity column, a
#: sequence of its own and a trigger calling a function. It notes each run
#: in the file ``{ran}``.
SNAPSHOT_R1 = """
op.create_table(
    "account",
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("email", sa.String(50), nullable=False, server_default="x@y"),
    sa.UniqueConstraint("email", name="account_email"),
    sa.CheckConstraint("email <> ''", name="account_email_set"),
)
op.create_table(
    "item",
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("account_id", sa.Integer, sa.ForeignKey("account.id")),
)
op.create_index("item_account", "item", ["account_id"])
op.execute("CREATE VIEW account_items AS SELECT a.id, i.id AS item_id"
           " FROM account a JOIN item i ON i.account_id = a.id")
op.execute("INSERT INTO account (email) VALUES ('seed@x')")
{postgresql}
with open({ran!r}, "a") as f:
    f.write("r1 ")
"""

SNAPSHOT_R1_POSTGRESQL = """
op.execute("CREATE TYPE mood AS ENUM ('calm', 'busy')")
op.execute("ALTER TABLE account ADD COLUMN mood mood DEFAULT 'calm'")
op.add_column("account", sa.Column("seq_no", sa.Integer, sa.Identity()))
op.execute("CREATE SEQUENCE ticket")
op.execute(
    "CREATE FUNCTION lower_email() RETURNS trigger LANGUAGE plpgsql AS"
    " $$ BEGIN NEW.email := lower(NEW.email); RETURN NEW; END $$"
)
op.execute(
    "CREATE TRIGGER account_lower BEFORE INSERT ON account"
    " FOR EACH ROW EXECUTE FUNCTION lower_email()"
)
"""


def _catalog(found: Tenancy, tenant: str | None) -> t.Any:
    """The catalog of a tenant, or of the primary database for ``None``."""
    engine = found.engine if tenant is None else found.engine_for(tenant)
    schema = None if tenant is None else found.schema(tenant)

    try:
        with engine.connect() as conn:
            return catalog(conn, schema)
    finally:
        found._done(engine)


def test_tenant_from_the_snapshot_is_the_tenant_a_replay_makes(
    tenancy: t.Callable[..., Tenancy],
    make_env: t.Callable[..., Environment],
    revisions: t.Any,
    tmp_path: Path,
) -> None:
    """A new tenant made from the snapshot (on PostgreSQL rewritten for a
    schema whose name needs quoting) has the catalog of one made by replay,
    its version and ledger rows, working sequences, and the revisions after
    the snapshot; the snapshot's revision does not run for it, and the
    primary database, already at head, is left as it was.
    """
    found = tenancy(0)
    ran = tmp_path / "ran.txt"
    extra = SNAPSHOT_R1_POSTGRESQL if found.dialect == "postgresql" else ""
    r1 = SNAPSHOT_R1.format(ran=str(ran), postgresql=extra)
    revisions.write("r1", None, r1)
    options = {"tenants": found.source, "ledger_table": True}
    env = make_env(sa.MetaData(), found.engine, options)
    env.snapshots.write()
    revisions.write(
        "r2",
        "r1",
        f"""
        op.add_column("item", sa.Column("note", sa.String(20)))
        with open({str(ran)!r}, "a") as f:
            f.write("r2 ")
        """,
    )
    env.upgrade()
    primary = _catalog(found, None)
    assert ran.read_text() == "r1 r2 "  # The snapshot's replay, the primary's r2.
    loaded, replayed = f"{found.prefix}_Snap", found.name(2)
    found.names += [loaded, replayed]
    result = env.tenants.create(loaded)
    assert (result.outcome, result.after) == ("migrated", ["r2"])
    assert ran.read_text() == "r1 r2 r2 "
    plain = make_env(sa.MetaData(), found.engine, {**options, "snapshots": False})
    plain.tenants.create(replayed)
    assert ran.read_text() == "r1 r2 r2 r1 r2 "
    assert compare_catalogs(_catalog(found, replayed), _catalog(found, loaded)) == []
    assert _catalog(found, None) == primary

    for tenant in (loaded, replayed):
        assert found.versions(tenant) == ["r2"]
        found.execute(tenant, "INSERT INTO {}account (email) VALUES ('Two@X')")
        found.execute(
            tenant, "INSERT INTO {0}item (account_id) SELECT max(id) FROM {0}account"
        )

    for query, expected in [
        # The sequences go on after the snapshot's row.
        ("SELECT id FROM {}account ORDER BY id", [1, 2]),
        ("SELECT account_id FROM {}item ORDER BY id", [2]),
        ("SELECT revision FROM {}alembic_ledger ORDER BY id", ["r1", "r2"]),
    ]:
        assert found.rows(loaded, query) == found.rows(replayed, query) == expected

    outcome = "SELECT outcome FROM {}alembic_ledger WHERE revision = 'r1'"
    assert found.rows(loaded, outcome) == ["snapshot"]
    emails = "SELECT email FROM {}account ORDER BY id"
    assert found.rows(loaded, emails) == found.rows(replayed, emails)


@pytest.mark.parametrize("dialect", ["postgresql"], indirect=True)
def test_postgresql_snapshot_naming_its_schema_in_a_body_is_replayed(
    tenancy: t.Callable[..., Tenancy],
    make_env: t.Callable[..., Environment],
    revisions: t.Any,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A snapshot whose function body names the schema it was built in is
    not loaded into a tenant, which cannot be told apart from any other use
    of that name: the tenant replays its revisions, a debug line says why,
    and it ends as a replay makes it.
    """
    found = tenancy(0)
    ran = tmp_path / "ran.txt"
    revisions.write(
        "r1",
        None,
        f"""
        op.create_table("account", sa.Column("id", sa.Integer, primary_key=True))
        op.execute(
            "CREATE FUNCTION account_total() RETURNS bigint LANGUAGE plpgsql AS"
            " $$ BEGIN RETURN (SELECT count(*) FROM public.account); END $$"
        )
        with open({str(ran)!r}, "a") as f:
            f.write("r1 ")
        """,
    )
    env = make_env(sa.MetaData(), found.engine, {"tenants": found.source})
    env.snapshots.write()
    new = found.name(1)
    found.names.append(new)

    with caplog.at_level(logging.DEBUG, logger="alembic_envkit"):
        result = env.tenants.create(new)

    assert result.after == ["r1"]
    assert ran.read_text() == "r1 r1 "
    (line,) = [r.getMessage() for r in caplog.records if "not loaded" in r.getMessage()]
    assert "a body in dollar quotes names schema 'public'" in line
    assert found.tables(new) == {"account", "alembic_version"}
    assert "function 'account_total()'" in " ".join(_catalog(found, new).names())
    assert found.tables(found.prefix) == set()


@pytest.mark.parametrize("dialect", ["postgresql"], indirect=True)
def test_postgresql_one_failing_tenant_among_200(
    tenant_env: t.Callable[..., tuple[Environment, Tenancy]],
) -> None:
    """Among 200 schemas upgraded by 8 workers, the one whose data breaks r2
    fails alone: the other 199 reach head and the report lists exactly it.
    """
    env, found = tenant_env(200)
    assert env.tenants.upgrade("r1", workers=8).ok
    bad = found.names[137]
    found.execute(bad, "INSERT INTO {}account (email) VALUES ('a@x'), ('a@x')")
    report = env.tenants.upgrade(workers=8)
    assert report.failed == [bad]
    assert report.counts() == {"migrated": 199, "failed": 1}
    status = {s.tenant: s.current for s in env.tenants.status(workers=8)}
    assert status == {n: ("r1",) if n == bad else ("r2",) for n in found.names}


def test_cli_sql_starts_a_new_tenant_from_the_snapshot(
    tenant_env: t.Callable[..., tuple[Environment, Tenancy]],
    tmp_path: Path,
) -> None:
    """``upgrade --tenants all --sql`` starts a tenant's script with the
    snapshot (on PostgreSQL rewritten for its schema), then the revisions
    after it; run on its own, the script brings the tenant to head.
    """
    env, found = tenant_env(1)
    env.snapshots.write("r1")
    (one,) = found.names
    out = tmp_path / "scripts"
    args = ["upgrade", "--tenants", "all", "--sql", "--output-dir", str(out)]
    result = _invoke(env, *args)
    assert result.exit_code == 0, result.output
    script = (out / f"{one}.sql").read_text()
    assert "CREATE TABLE" in script
    assert "public." not in script
    _run_script(found, one, script)
    assert [(s.tenant, s.current) for s in env.tenants.status()] == [(one, ("r2",))]
    assert found.tables(one) == {"account", "alembic_version"}
