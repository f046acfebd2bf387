"""Tenants on every dialect: schemas on PostgreSQL, databases on MariaDB,
files on SQLite, migrated by the fan-out with the history read once.
"""

from __future__ import annotations

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
        return env, found

    return make


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
        (["upgrade", "--tenants", "all", "--plan"], "--plan does not work with"),
        (["upgrade", "--tenant", "x", "--phase", "expand"], "--phase does not work"),
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
