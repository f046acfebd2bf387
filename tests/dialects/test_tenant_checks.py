"""``check``, ``verify``, ``lint`` and ``revision --autogenerate`` on
tenants, on every dialect.
"""

from __future__ import annotations

import json
import typing as t

import pytest
import sqlalchemy as sa
from tenant_support import account_models
from tenant_support import contract_r3
from tenant_support import invoke
from tenant_support import Tenancy

from alembic_envkit import Environment
from alembic_envkit import Targets


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
    result = invoke(env, "check", "--tenants", "all", "--workers", "2")
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
    result = invoke(env, "check", "--tenants", "all")
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
    result = invoke(env, "check", "--tenant", one)
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
    result = invoke(env, "check", "--tenants", "all")
    assert result.exit_code == 1, result.output
    lines = result.stdout.splitlines()
    assert lines[2].split() == [two, "no", "(1", "behind)", "-"]
    assert lines[-1] == (
        f"Not at head: {two}. Run 'upgrade' on them before checking the models"
        " against them."
    )
    result = invoke(env, "check", "--tenants", "all", "--format", "json")
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
    contract_r3(revisions)
    env.tenants.upgrade(tenants=[one, three])
    env.tenants.downgrade("r1", tenants=[three])
    pending = env.tenants.pending("expand")
    assert {n: [r.revision for r in p] for n, p in pending.items()} == {
        one: [],
        two: ["r3"],
        three: ["r3"],
    }
    result = invoke(env, "check", "--phase", "expand", "--tenants", "all")
    assert result.exit_code == 1, result.output
    assert result.stdout.splitlines() == [
        "Contract step pending:",
        f"  {two}: r3 (contract)",
        f"  {three}: r3 (contract)",
        "  Run 'upgrade --tenants all' once the new code is deployed everywhere.",
    ]
    args = ["check", "--phase", "contract", "--tenant", three, "--format", "json"]
    result = invoke(env, *args)
    assert result.exit_code == 1, result.output
    document = json.loads(result.stdout)
    assert (document["phase"], document["changed"]) == ("contract", True)
    assert [r["revision"] for r in document["tenants"][three]["pending"]] == [
        "r2",
        "r3",
    ]
    result = invoke(env, "check", "--phase", "expand", "--tenant", one)
    assert result.exit_code == 0, result.output
    assert result.stdout == "No contract step pending.\n"
    env.tenants.upgrade()
    result = invoke(env, "check", "--phase", "contract", "--tenants", "all")
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
    result = invoke(env, "verify", "--tenants", "all")
    assert result.exit_code == 0, result.output
    assert result.stdout == (
        "The history has no problems, and the 2 tenants applied what the files say.\n"
    )
    path = revisions.folder / "r2_step.py"
    path.write_text(path.read_text().replace("unique=True", "unique=False"))
    found_api = env.tenants.verify()
    assert found_api.history == []
    assert [(f.kind, n) for n, f in found_api.findings] == [("edited-after-apply", one)]
    result = invoke(env, "verify", "--tenants", "all")
    assert result.exit_code == 1, result.output
    lines = result.stdout.splitlines()
    assert len(lines) == 2
    assert f"applied to tenant '{one}'" in lines[0]
    assert two not in lines[0]
    assert lines[1] == "1 error, 0 warnings."
    result = invoke(env, "verify", "--tenant", two, "--format", "json")
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert (document["ok"], document["ledger"], document["tenants"]) == (
        True,
        True,
        [two],
    )
    result = invoke(env, "verify", "--tenants", "all", "--format", "json")
    document = json.loads(result.stdout)
    assert [(f["kind"], f["tenant"]) for f in document["findings"]] == [
        ("edited-after-apply", one)
    ]
    assert "accept it with 'rehash r2 --reason ...'" in lines[0]

    # rehash accepts the edit on the tenant that applied it, and only there.
    result = invoke(env, "rehash", "r2", "--reason", "index not unique")
    assert result.exit_code == 0, result.output
    assert result.stdout == (
        f"Accepted revision r2 as it is now on database 'default (tenant {one})'.\n"
    )
    result = invoke(env, "verify", "--tenants", "all")
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
    result = invoke(env, "lint", "--tenants", "all")
    assert result.exit_code == 1, result.output
    assert result.stdout.count("drop-column") == 1
    assert result.stdout.splitlines()[-3:] == [
        "Pending on tenants:",
        f"  r2: {two}",
        f"  r3: {one}, {two}, {three}",
    ]
    result = invoke(env, "lint", "--tenant", one, "--format", "json")
    document = json.loads(result.stdout)
    assert (document["ok"], document["revisions"]) == (False, 1)
    assert document["pending"] == {"r3": [one]}
    env.tenants.upgrade("r2")
    result = invoke(env, "lint", "--tenant", two, "--format", "sarif")
    assert json.loads(result.stdout)["version"] == "2.1.0"
    result = invoke(env, "lint", "--tenants", "all", "--all")
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
    result = invoke(env, *args)
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
        Targets(account_models(), found.engine),
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
    result = invoke(env, "check", "--tenants", "all")
    assert result.exit_code == 1, result.output
    assert [line.split()[1:] for line in result.stdout.splitlines()[1:3]] == [
        ["no", "(not", "made)", "-"]
    ] * 2
    assert invoke(env, "verify", "--tenants", "all").exit_code == 0
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
    models = account_models()
    models.tables["account"].append_column(sa.Column("note", sa.String(20)))
    with_note = Environment(env.settings, Targets(models, found.engine))

    try:
        for args, message in [
            (["--tenant", "ghost"], "No tenant named 'ghost'"),
            (["--tenant", two], f"Tenant {two!r} has no"),
        ]:
            result = invoke(
                with_note, "revision", "-m", "note", "--rev-id", "r3", *args
            )
            assert result.exit_code == 1
            assert message in result.stderr
            assert "Traceback" not in result.output
            assert not (revisions.folder / "r3_note.py").exists()

        args = ["revision", "-m", "note", "--rev-id", "r3", "--tenant", one]
        result = invoke(with_note, *args)
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
