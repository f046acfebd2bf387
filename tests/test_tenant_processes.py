"""SQLite tenants run in worker processes: their work is Python's own, which
threads would run one at a time.
"""

from __future__ import annotations

import os
import typing as t
from pathlib import Path

import sqlalchemy as sa

from alembic_envkit import Environment
from alembic_envkit.run._processes import batches

#: A revision that records which process ran it, then waits (at most 60 s)
#: until another process has recorded itself too: two tenants meet only if
#: they run at the same time in two processes.
MEET = """
import os, time
from pathlib import Path
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
    """About eight batches per worker, at most eight tenants each, one
    tenant each where there are few; every tenant once, in order.
    """
    names = [f"t{n}" for n in range(500)]
    found = batches(names, 8)
    assert {len(b) for b in found[:-1]} == {7}
    assert [n for b in found for n in b] == names
    assert [len(b) for b in batches(names, 2)][:3] == [8, 8, 8]
    assert batches(names[:5], 4) == [[n] for n in names[:5]]
    assert batches([], 4) == []
