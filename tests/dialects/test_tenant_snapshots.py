"""New tenants from the snapshot: the same tenant a replay makes, on every
dialect, a PostgreSQL snapshot rewritten for the tenant's schema.
"""

from __future__ import annotations

import logging
import typing as t
from pathlib import Path

import pytest
import sqlalchemy as sa
from tenant_support import invoke
from tenant_support import run_script
from tenant_support import Tenancy

from alembic_envkit import Environment
from alembic_envkit.snapshot import catalog
from alembic_envkit.snapshot import compare_catalogs

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
    result = invoke(env, *args)
    assert result.exit_code == 0, result.output
    script = (out / f"{one}.sql").read_text()
    assert "CREATE TABLE" in script
    assert "public." not in script
    run_script(found, one, script)
    assert [(s.tenant, s.current) for s in env.tenants.status()] == [(one, ("r2",))]
    assert found.tables(one) == {"account", "alembic_version"}
