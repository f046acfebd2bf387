"""The options of the commands that run revisions, on tenants: phases,
plans, purge, engine options; tenants of a multidb environment and of an
async engine; waiting for tenants.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
import threading
import typing as t
from pathlib import Path

import pytest
import sqlalchemy as sa
from tenant_support import ASYNC_DRIVERS
from tenant_support import contract_r3
from tenant_support import invoke
from tenant_support import open_on
from tenant_support import Tenancy
from tenant_support import write_history

from alembic_envkit import Environment


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
    contract_r3(revisions)
    one, two, three = found.names
    env.tenants.upgrade("r1", tenants=[two])
    report = tmp_path / "expand.json"
    args = ["upgrade", "--tenants", "all", "--phase", "expand", "--report", str(report)]
    result = invoke(env, *args)
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
    result = invoke(env, *args)
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
    result = invoke(env, "upgrade", "--tenants", "all", "--plan")
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
    result = invoke(env, *args, "--format", "json")
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
    result = invoke(env, "stamp", "r2", "--tenants", "all")
    assert result.exit_code == 1
    assert f"1 tenant not at the target ({two})" in result.stderr
    assert found.versions(one) == ["r2"]
    assert found.versions(two) == ["gone"]
    result = invoke(env, "stamp", "r1", "--tenants", "all", "--purge")
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
    contract_r3(revisions)
    args = ["upgrade", "--tenants", "all", "--sql"]
    expand = invoke(env, *args, "--phase", "expand")
    assert expand.exit_code == 0, expand.output
    everything = invoke(env, *args)
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
        options = {"no_such_option": 5}
        message = "create_engine refuses the 'tenant_engine_options' setting"

    env, found = tenant_env(2, tenant_engine_options=options)
    result = invoke(env, "upgrade", "--tenants", "all")
    assert result.exit_code == 1
    assert message in result.stderr
    assert "Traceback" not in result.output

    if dialect == "mariadb":
        assert "no_such_option" in result.stderr

    if dialect == "sqlite":
        assert list(found.folder.glob("*.sqlite")) == []
    else:
        made = set(sa.inspect(found.engine).get_schema_names())
        assert made.isdisjoint(found.names)


@pytest.mark.parametrize("dialect", ["sqlite"], indirect=True)
def test_tenant_processes_must_be_a_bool(
    tenant_env: t.Callable[..., tuple[Environment, Tenancy]],
) -> None:
    """A ``tenant_processes`` that is not True or False stops the command
    with one line naming the setting, before any tenant is made.
    """
    env, found = tenant_env(2, tenant_processes="yes")
    result = invoke(env, "upgrade", "--tenants", "all", "--workers", "2")
    assert result.exit_code == 1
    assert "The 'tenant_processes' setting must be True or False" in result.stderr
    assert "'yes'" in result.stderr
    assert "Traceback" not in result.output
    assert list(found.folder.glob("*.sqlite")) == []


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
    result = invoke(env, "wait", "--tenants", "all", "--timeout", "0")
    assert result.exit_code == 1
    assert f"Not at head after 0s: 1 tenant ({two})." in result.stderr
    result = invoke(env, "wait", "--tenant", one, "--timeout", "0")
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
    write_history(revisions)
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
    result = invoke(env, "upgrade", "--tenants", "all", "--workers", "3")
    assert result.exit_code == 0, result.output
    assert "3 tenants in" in result.stderr
    assert [found.versions(n) for n in found.names] == [["r2"]] * 3
    result = invoke(env, "current", "--tenants", "all", "--check-heads")
    assert result.exit_code == 0, result.output


def test_tenant_connections_are_closed_after_the_work(
    tenant_env: t.Callable[..., tuple[Environment, Tenancy]],
    dialect: str,
) -> None:
    """A run over tenants keeps no connection to a tenant open once it is
    done with it: on MariaDB the server lists none on the tenants'
    databases, on SQLite this process holds none of the files open; on
    PostgreSQL the tenants share the primary's pool, which has them all
    back.
    """
    env, found = tenant_env(4)
    report = env.tenants.upgrade()
    assert report.counts() == {"migrated": 4}
    assert [s.behind for s in env.tenants.status()] == [0] * 4
    assert [c.at_head for c in env.tenants.check()] == [True] * 4

    if dialect == "mariadb":
        query = (
            "SELECT COUNT(*) FROM information_schema.PROCESSLIST"
            f" WHERE DB LIKE '{found.prefix}%%'"
        )
        with found.engine.connect() as conn:
            assert conn.exec_driver_sql(query).scalar() == 0
    elif dialect == "sqlite":
        # Not even the descriptor a file's migration lock is taken on.
        files = [found.folder / f"{n}.sqlite" for n in found.names]
        assert [open_on(f) for f in files] == [0] * 4
    else:
        pool = found.engine.pool
        assert pool.checkedout() == 0  # type: ignore[attr-defined]
