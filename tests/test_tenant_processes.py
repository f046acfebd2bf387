"""SQLite tenants run in worker processes: their work is Python's own, which
threads would run one at a time.
"""

from __future__ import annotations

import os
import typing as t
from pathlib import Path

import pytest
import sqlalchemy as sa
from tenant_support import open_on

from alembic_envkit import Environment
from alembic_envkit.run._processes import batches

#: A revision that records which process ran it, then waits (at most 60 s)
#: until another process has recorded itself too: two tenants meet only if
#: they run at the same time in two processes.
MEET = """
import os, time
from pathlib import Path
import pytest
import sqlalchemy as sa
from alembic import op

revision = "r1"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    folder = Path({folder!r})
    (folder / str(os.getpid())).touch()
    op.create_table("ran", sa.Column("pid", sa.Integer))
    op.execute(f"INSERT INTO ran VALUES ({{os.getpid()}})")
    deadline = time.monotonic() + 60

    while len(list(folder.iterdir())) < 2:
        if time.monotonic() > deadline:
            raise RuntimeError("no other process ran a tenant meanwhile")

        time.sleep(0.01)


def downgrade():
    op.drop_table("ran")
"""


@pytest.mark.skipif(
    (os.cpu_count() or 1) < 2, reason="one process per CPU: needs two CPUs"
)
def test_sqlite_tenants_run_in_worker_processes(
    make_env: t.Callable[..., Environment], tmp_path: Path
) -> None:
    """With two workers, two SQLite tenants run at once in two processes,
    neither of them this one; the report and the progress come back to it.
    """
    pids = tmp_path / "pids"
    pids.mkdir()
    migrations = tmp_path / "migrations"
    migrations.mkdir(exist_ok=True)
    (migrations / "r1_meet.py").write_text(MEET.format(folder=str(pids)))
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'primary.sqlite'}")
    env = make_env(sa.MetaData(), engine, {"tenants": lambda: ["acme", "globex"]})
    seen: list[str] = []

    try:
        report = env.tenants.upgrade(
            workers=2, progress=lambda update: seen.append(update.result.tenant)
        )
    finally:
        env.close()
        engine.dispose()

    assert report.counts() == {"migrated": 2}, report.results
    assert sorted(seen) == ["acme", "globex"]
    ran = set()

    for name in ("acme", "globex"):
        tenant = sa.create_engine(f"sqlite:///{tmp_path / name}.sqlite")

        with tenant.connect() as conn:
            ran |= {row[0] for row in conn.exec_driver_sql("SELECT pid FROM ran")}

        tenant.dispose()

    assert len(ran) == 2
    assert os.getpid() not in ran
    assert {int(p.name) for p in pids.iterdir()} == ran


def test_batches_cut_tenants_evenly_and_in_order() -> None:
    """About eight batches per worker, at most eight tenants for each of a
    process's threads, one each where there are few; every tenant once, in
    order.
    """
    names = [f"t{n}" for n in range(500)]
    found = batches(names, 8, 1)
    assert {len(b) for b in found[:-1]} == {7}
    assert [n for b in found for n in b] == names
    assert [len(b) for b in batches(names, 2, 1)][:3] == [8, 8, 8]
    # 2 processes of 4 threads: 7 tenants for each thread, 28 a batch.
    assert [len(b) for b in batches(names, 2, 4)][:2] == [28, 28]
    assert [n for b in batches(names, 2, 4) for n in b] == names
    assert batches(names[:5], 4, 1) == [[n] for n in names[:5]]
    assert batches(names[:5], 2, 2) == [names[0:2], names[2:4], names[4:5]]
    assert batches([], 4, 1) == []


LIMITED = """
import json, resource, sys
import pytest
import sqlalchemy as sa
from alembic_envkit import Environment, Settings, Targets

root = sys.argv[1]
names = [f"t{n:03d}" for n in range(80)]
engine = sa.create_engine(f"sqlite:///{root}/primary.sqlite")
options = {"tenants": lambda: names}
settings = Settings.from_mappings(options, root=root)
env = Environment(settings, Targets(sa.MetaData(), engine))
env.tenants.status()  # What a run imports and opens, before the limit.
hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
resource.setrlimit(resource.RLIMIT_NOFILE, (48, hard))
print(env.tenants.upgrade().to_json())
"""


def test_a_long_run_keeps_no_tenant_file_open(tmp_path: Path) -> None:
    """A run over more SQLite files than the process may have open (80,
    with a limit of 48) in one worker: each file's lock descriptor is
    closed when its tenant is done, so every tenant migrates.
    """
    import json
    import subprocess
    import sys

    migrations = tmp_path / "migrations"
    migrations.mkdir()
    (migrations / "r1_step.py").write_text(
        "import sqlalchemy as sa\nfrom alembic import op\n\nrevision = 'r1'\n"
        "down_revision = None\n\n\ndef upgrade():\n"
        "    op.create_table('t', sa.Column('id', sa.Integer))\n\n\n"
        "def downgrade():\n    op.drop_table('t')\n"
    )
    script = tmp_path / "limited.py"
    script.write_text(LIMITED)
    ran = subprocess.run(
        [sys.executable, str(script), str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert ran.returncode == 0, ran.stderr
    results = json.loads(ran.stdout)["tenants"]
    assert len(results) == 80
    assert {r["outcome"] for r in results} == {"migrated"}, results[-1]

    for n in (0, 79):
        tenant = sa.create_engine(f"sqlite:///{tmp_path / f't{n:03d}.sqlite'}")

        with tenant.connect() as conn:
            versions = conn.exec_driver_sql("SELECT * FROM alembic_version")
            assert [row[0] for row in versions] == ["r1"]

        tenant.dispose()


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="lists /proc/self/fd")
def test_a_lock_descriptor_is_kept_while_the_file_is_open_elsewhere(
    tmp_path: Path,
) -> None:
    """Closing a file's lock descriptor would drop the POSIX locks this
    process's SQLite connections hold on the file: it is closed only once
    no lock uses it and nothing else in the process has the file open.
    """
    import sqlite3

    from alembic_envkit.run.dialects import acquire
    from alembic_envkit.run.dialects import impl_for

    path = tmp_path / "tenant.sqlite"
    engine = sa.create_engine(f"sqlite:///{path}")
    impl = impl_for("sqlite")
    user = sqlite3.connect(path)

    try:
        lock = acquire("tenant", engine, "alembic_version", None, 1)
        assert lock is not None
        impl.forget_lock(engine)  # Held: kept.
        assert open_on(path) == 2
        lock.release()
        impl.forget_lock(engine)  # Open in the user's connection: kept.
        assert open_on(path) == 2
    finally:
        user.close()

    impl.forget_lock(engine)
    assert open_on(path) == 0
    again = acquire("tenant", engine, "alembic_version", None, 1)
    assert again is not None
    again.release()
    engine.dispose()


#: A revision that says it started, then waits (at most 60 s) until the
#: fan-out has been told to stop, which its process sees in the event the
#: processes share.
STOPPED = """
import os, time
from pathlib import Path
import sqlalchemy as sa
from alembic import op
from alembic_envkit.run import _processes

revision = "r1"
down_revision = None


def upgrade():
    op.create_table("ran", sa.Column("pid", sa.Integer))
    (Path({folder!r}) / f"{{os.getpid()}}-{{time.monotonic_ns()}}").touch()
    deadline = time.monotonic() + 60

    while not _processes._inherited.stop.is_set():
        if time.monotonic() > deadline:
            raise RuntimeError("the run was never stopped")

        time.sleep(0.01)


def downgrade():
    op.drop_table("ran")
"""

INTERRUPTED = """
import sys
import sqlalchemy as sa
from alembic_envkit import Environment, Settings, Targets

root = sys.argv[1]
names = [f"t{n}" for n in range(6)]
engine = sa.create_engine(f"sqlite:///{root}/primary.sqlite")
settings = Settings.from_mappings({"tenants": lambda: names}, root=root)
env = Environment(settings, Targets(sa.MetaData(), engine))
env.tenants.upgrade(workers=2)
"""


@pytest.mark.skipif(
    (os.cpu_count() or 1) < 2, reason="one process per CPU: needs two CPUs"
)
def test_interrupted_fan_out_finishes_what_it_started_and_starts_nothing(
    tmp_path: Path,
) -> None:
    """Ctrl-C (SIGINT to the command's process) while two tenants run in
    two worker processes: those two finish, the four others never start,
    and the command exits with the interruption.
    """
    import signal
    import subprocess
    import sys
    import time

    started = tmp_path / "started"
    started.mkdir()
    migrations = tmp_path / "migrations"
    migrations.mkdir()
    (migrations / "r1_wait.py").write_text(STOPPED.format(folder=str(started)))
    script = tmp_path / "interrupted.py"
    script.write_text(INTERRUPTED)
    running = subprocess.Popen(
        [sys.executable, str(script), str(tmp_path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )

    try:
        deadline = time.monotonic() + 60

        while len(list(started.iterdir())) < 2:  # Both processes are busy.
            assert running.poll() is None, running.communicate()
            assert time.monotonic() < deadline, "the tenants never started"
            time.sleep(0.01)

        running.send_signal(signal.SIGINT)
        _, stderr = running.communicate(timeout=60)
    finally:
        running.kill()

    assert running.returncode != 0
    assert "KeyboardInterrupt" in stderr
    assert len(list(started.iterdir())) == 2
    migrated = []

    for n in range(6):
        path = tmp_path / f"t{n}.sqlite"
        tenant = sa.create_engine(f"sqlite:///{path}")

        with tenant.connect() as conn:
            if sa.inspect(conn).has_table("alembic_version"):
                rows = conn.exec_driver_sql("SELECT version_num FROM alembic_version")
                assert [row[0] for row in rows] == ["r1"]
                migrated.append(n)

        tenant.dispose()

    assert len(migrated) == 2
