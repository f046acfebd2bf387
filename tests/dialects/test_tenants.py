"""Tenants on every dialect: schemas on PostgreSQL, databases on MariaDB,
files on SQLite, migrated by the fan-out with the history read once.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import threading
import time
import typing as t
from pathlib import Path

import pytest
import sqlalchemy as sa
from tenant_support import invoke
from tenant_support import run_script
from tenant_support import Tenancy

from alembic_envkit import ConfigurationError
from alembic_envkit import Environment
from alembic_envkit import RevisionError
from alembic_envkit import TenantReport
from alembic_envkit.run.dialects import acquire


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


def test_fan_out_waits_for_a_lock_taken_on_the_tenants_own_database(
    tenant_env: t.Callable[..., tuple[Environment, Tenancy]],
) -> None:
    """The lock a plain run on a tenant's database takes (on an engine of
    that database) is the one a fan-out takes for the tenant, whichever
    session it holds it on (MariaDB's is the primary's): while it is held,
    that tenant times out and changes nothing, the others migrate.
    """
    env, found = tenant_env(2, lock_timeout=0.3)
    env.tenants.upgrade("r1")
    held_name = found.names[0]
    engine = env.tenancy.engine(held_name)
    held = acquire("plain run", engine, "alembic_version", found.schema(held_name), 5)
    assert held is not None

    try:
        report = env.tenants.upgrade()
    finally:
        held.release()

    assert report.failed == [held_name]
    error = report.results[0].error
    assert error is not None and "migration lock" in error, error
    assert found.versions(held_name) == ["r1"]
    assert found.versions(found.names[1]) == ["r2"]


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


@pytest.mark.skipif(
    (os.cpu_count() or 1) < 2, reason="one process per CPU: needs two CPUs"
)
@pytest.mark.parametrize("dialect", ["sqlite"], indirect=True)
def test_stop_on_error_stops_the_worker_processes_batches(
    tenant_env: t.Callable[..., tuple[Environment, Tenancy]],
) -> None:
    """SQLite tenants run in worker processes, in batches (two tenants each
    for 40 tenants and two workers): a failure with ``stop_on_error`` stops
    its own batch before the next tenant, and every process before its
    next one. The tenants that ran are at head, the others untouched.
    """
    env, found = tenant_env(40)
    env.tenants.upgrade("r1", workers=2)
    first = found.names[0]
    found.execute(first, "INSERT INTO {}account (email) VALUES ('a@x'), ('a@x')")
    report = env.tenants.upgrade(stop_on_error=True, workers=2)
    outcomes = {r.tenant: r.outcome for r in report.results}
    assert outcomes[first] == "failed"
    # Its batch-mate: stopped in the same process, whatever the timing.
    assert outcomes[found.names[1]] == "not run"
    assert set(outcomes.values()) <= {"failed", "migrated", "not run"}

    for name, outcome in outcomes.items():
        expected = ["r2"] if outcome == "migrated" else ["r1"]
        assert found.versions(name) == expected, name


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
    result = invoke(env, "upgrade", "r1", "--tenants", "all", "--workers", "2")
    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    assert result.stderr.count(" migrated in ") == 3
    assert "3 tenants in" in result.stderr
    found.execute(two, "INSERT INTO {}account (email) VALUES ('a@x'), ('a@x')")
    report = tmp_path / "report.json"
    args = ["upgrade", "--tenants", "all", "--report", str(report), "-q"]
    result = invoke(env, *args)
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

    result = invoke(env, "current", "--tenants", "all")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["tenant", "current", "head", "behind"]
    assert [line.split() for line in lines[1:]] == [
        [one, "r2", "r2", "0"],
        [two, "r1", "r2", "1"],
        [three, "r2", "r2", "0"],
    ]
    result = invoke(env, "current", "--tenant", two, "--format", "json")
    document = json.loads(result.stdout)
    assert [(s["tenant"], s["current"], s["behind"]) for s in document["tenants"]] == [
        (two, ["r1"], 1)
    ]

    found.execute(two, "DELETE FROM {}account")

    if found.dialect == "mysql":
        # Its DDL is not transactional: the failed revision left a mark,
        # which a stamp at the revision the tenant is at clears.
        again = invoke(env, "upgrade", "--tenant", two)
        assert "left in the middle of the upgrade of revision r2" in again.stderr
        stamped = invoke(env, "stamp", "r1", "--tenant", two)
        assert stamped.exit_code == 0, stamped.output
        assert " migrated in " in stamped.stderr, stamped.output

    result = invoke(env, "upgrade", "--tenants", "all", "--resume", str(report))
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
    result = invoke(env, *args)
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
    result = invoke(env, "tenant", "create", found.names[0])
    assert result.exit_code == 0, result.output
    assert found.versions(found.names[0]) == ["r2"]
    assert invoke(env, "tenant", "list").stdout.split() == found.names


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
    """Run in threads, the tenants share the primary's pool, and every
    connection they used is back in it with the ``search_path`` it had
    before.
    """
    # In threads of this process, on its pool; not in worker processes.
    env, found = tenant_env(4, tenant_processes=False)

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
    result = invoke(env, "upgrade", "--tenants", "all", "--sql")
    assert result.exit_code == 0, result.output
    assert result.stdout.count("-- tenant: ") == 2
    out = tmp_path / "scripts"
    args = ["upgrade", "--tenants", "all", "--sql", "--output-dir", str(out)]
    result = invoke(env, *args)
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir()) == [f"{one}.sql", f"{two}.sql"]
    assert env.tenancy.existing(found.names) == set()
    run_script(found, one, (out / f"{one}.sql").read_text())
    status = env.tenants.status()
    assert [(s.tenant, s.current) for s in status] == [(one, ("r2",)), (two, ())]
    assert "account" in found.tables(one)
    result = invoke(env, "upgrade", "--tenants", "all", "--sql", "--workers", "2")
    assert result.exit_code == 2
    assert "--sql and --workers cannot be used together" in result.stderr


@pytest.mark.parametrize("processes", [True, False])
def test_workers_are_processes_unless_the_setting_is_off(
    tenancy: t.Callable[..., Tenancy],
    make_env: t.Callable[..., Environment],
    revisions: t.Any,
    processes: bool,
) -> None:
    """With several workers, tenants run in forked worker processes, on
    every dialect; with ``tenant_processes`` off, in threads of this one.
    Either way each tenant is migrated once, and the report comes back.
    """
    found = tenancy(4)
    revisions.write(
        "r1",
        None,
        """
        import os
        op.create_table("ran", sa.Column("pid", sa.Integer))
        op.execute(f"INSERT INTO ran (pid) VALUES ({os.getpid()})")
        """,
    )
    options = {"tenants": found.source, "tenant_processes": processes}
    env = make_env(sa.MetaData(), found.engine, options)
    report = env.tenants.upgrade(workers=2)
    assert report.counts() == {"migrated": 4}
    pids = {pid for n in found.names for pid in found.rows(n, "SELECT pid FROM {}ran")}

    if processes:
        assert os.getpid() not in pids
    else:
        assert pids == {os.getpid()}
