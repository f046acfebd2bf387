"""Deploys in phases on every dialect: ``upgrade --phase expand`` holds
back each contract revision and what comes after it, on every path;
``check --phase expand`` is the gate; ``revision --phase`` and ``merge
--phase`` write the header.
"""

from __future__ import annotations

import json
import typing as t
from pathlib import Path

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from alembic_envkit import ConfigurationError
from alembic_envkit import Environment
from alembic_envkit import RevisionError
from alembic_envkit.cli import make_group

Tables: t.TypeAlias = t.Callable[..., set[str]]


def _table(rev: str) -> tuple[str, str]:
    return (
        f"op.create_table('t_{rev}', sa.Column('id', sa.Integer, primary_key=True))",
        f"op.drop_table('t_{rev}')",
    )


def _write(revisions: t.Any, rev: str, down: t.Any, phase: str | None) -> Path:
    path: Path = revisions.write(rev, down, *_table(rev))

    if phase is not None:
        text = path.read_text().replace(
            "depends_on = None\n", f"depends_on = None\nphase = {phase!r}\n"
        )
        path.write_text(text)

    return path


@pytest.fixture
def phased(
    make_env: t.Callable[..., Environment], engine: sa.Engine, revisions: t.Any
) -> Environment:
    """a -> b (expand) -> c (contract) -> d (expand), and a branch
    a -> x (expand) -> y, merged with d at m (expand is not allowed there,
    so m has no phase).
    """
    _write(revisions, "a", None, None)
    _write(revisions, "b", "a", "expand")
    _write(revisions, "c", "b", "contract")
    _write(revisions, "d", "c", "expand")
    _write(revisions, "x", "a", "expand")
    _write(revisions, "y", "x", None)
    _write(revisions, "m", ("d", "y"), None)
    return make_env(sa.MetaData(), engine)


def _run(env: Environment, *args: str) -> t.Any:
    group = make_group(lambda: env)
    return CliRunner().invoke(group, list(args), catch_exceptions=False)


def test_expand_holds_back_contract_on_every_path(
    phased: Environment, engine: sa.Engine, tables: Tables, versions: Tables
) -> None:
    """The expand run applies a, b, x, y; c is contract, so d and the merge
    m (after it) wait; the other path goes on to its end.
    """
    planned = [s.revision for s in phased.plan(phase="expand")["default"]]
    assert sorted(planned) == ["a", "b", "x", "y"]
    assert planned.index("a") < planned.index("b")
    assert planned.index("x") < planned.index("y")

    phased.upgrade(phase="expand")

    assert tables(engine) == {"alembic_version", "t_a", "t_b", "t_x", "t_y"}
    assert versions(engine) == {"b", "y"}

    # Run again: nothing more for the expand phase.
    phased.upgrade(phase="expand")
    assert versions(engine) == {"b", "y"}

    # The contract run (a plain upgrade) applies the rest.
    phased.upgrade()
    assert tables(engine) == {
        "alembic_version",
        *(f"t_{r}" for r in "abcdxym"),
    }
    assert versions(engine) == {"m"}


def test_contract_phase_runs_everything(
    phased: Environment, engine: sa.Engine, versions: Tables
) -> None:
    phased.upgrade(phase="contract")
    assert versions(engine) == {"m"}


def test_unknown_run_phase_changes_nothing(
    phased: Environment, engine: sa.Engine, tables: Tables
) -> None:
    with pytest.raises(ConfigurationError, match="Unknown phase 'expnad'"):
        phased.upgrade(phase="expnad")

    assert tables(engine) == set()


def test_check_phase_gate(phased: Environment) -> None:
    """``check --phase expand`` exits 1 while a contract step is pending,
    naming its revisions, and 0 once it has run.
    """
    phased.upgrade(phase="expand")

    result = _run(phased, "check", "--phase", "expand")
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert lines[0] == "Contract step pending:"
    assert lines[1] == "  default: c (contract), d (expand), m"
    assert "Run 'upgrade' once the new code is deployed" in lines[2]

    result = _run(phased, "check", "--phase", "expand", "--format", "json")
    assert result.exit_code == 1
    data = json.loads(result.output)
    pending = [r["revision"] for r in data["databases"]["default"]["pending"]]
    assert data["changed"] is True and pending == ["c", "d", "m"]

    phased.upgrade()
    result = _run(phased, "check", "--phase", "expand")
    assert (result.exit_code, result.output) == (0, "No contract step pending.\n")


def test_check_contract_gate(phased: Environment) -> None:
    """``check --phase contract`` wants every revision applied."""
    result = _run(phased, "check", "--phase", "contract")
    assert result.exit_code == 1
    assert result.output.startswith("Revisions pending:\n  default: a, ")
    assert "c (contract)" in result.output

    phased.upgrade()
    result = _run(phased, "check", "--phase", "contract")
    assert (result.exit_code, result.output) == (0, "No revision pending.\n")


def test_upgrade_cli_phase_and_sql(
    phased: Environment, engine: sa.Engine, versions: Tables
) -> None:
    """The command line runs the phase, plans it and writes its SQL."""
    result = _run(phased, "upgrade", "--phase", "expand", "--plan")
    assert result.exit_code == 0
    planned = [line.split(",")[0].strip() for line in result.output.splitlines()[1:]]
    assert sorted(planned) == ["upgrade a", "upgrade b", "upgrade x", "upgrade y"]

    result = _run(phased, "upgrade", "--phase", "expand", "--sql")
    assert result.exit_code == 0
    for rev in "abxy":
        assert f"CREATE TABLE t_{rev} " in result.output
    for rev in "cdm":
        assert f"t_{rev}" not in result.output

    assert versions(engine) == set()  # --plan and --sql change nothing.

    result = _run(phased, "upgrade", "--phase", "expand")
    assert result.exit_code == 0
    assert versions(engine) == {"b", "y"}
    assert result.output.splitlines()[-1] == (
        "Held back for the contract step: 3 revisions, from c (contract). Run"
        " 'upgrade' once the new code is deployed everywhere."
    )

    result = _run(phased, "upgrade", "--phase", "expand", "-q")
    assert (result.exit_code, result.output) == (0, "")


def test_invalid_phase_in_a_file(
    make_env: t.Callable[..., Environment],
    engine: sa.Engine,
    revisions: t.Any,
    tables: Tables,
) -> None:
    """A pending revision whose phase is misspelt stops the expand run
    before anything runs, with one line naming the file.
    """
    _write(revisions, "a", None, None)
    bad = _write(revisions, "b", "a", "contarct")
    env = make_env(sa.MetaData(), engine)

    with pytest.raises(RevisionError) as caught:
        env.upgrade(phase="expand")

    assert str(caught.value) == (
        f"Revision file {bad} sets phase = 'contarct', which is neither 'expand'"
        ' nor \'contract\'. Write phase = "expand" or phase = "contract", or'
        " remove it."
    )
    assert tables(engine) == set()


def test_revision_and_merge_write_the_phase(
    make_env: t.Callable[..., Environment], engine: sa.Engine, revisions: t.Any
) -> None:
    """``revision --phase`` and ``merge --phase`` put the phase in the
    header, where the revision's ``phase`` reads it back.
    """
    _write(revisions, "a", None, None)
    env = make_env(sa.MetaData(), engine)

    result = _run(env, "revision", "--empty", "-m", "drop", "--phase", "contract")
    assert result.exit_code == 0, result.output
    (new,) = [r for r in env.heads()]
    assert new.phase == "contract"
    assert 'phase = "contract"\n' in Path(new.path).read_text()

    other = env.revision("side", empty=True, parent="a", splice=True, phase="expand")
    assert other[0] is not None
    side = env.show(other[0].revision)[0]
    assert side.phase == "expand"

    before = sorted(p.name for p in revisions.folder.iterdir())
    heads = [h.revision for h in env.heads()]
    result = _run(env, "merge", *heads, "-m", "join", "--phase", "expand")
    assert result.exit_code == 1
    assert f"parent {new.revision} is a contract revision" in result.output
    assert "Traceback" not in result.output
    assert sorted(p.name for p in revisions.folder.iterdir()) == before

    merged = env.merge(heads, "join", phase="contract")
    assert merged is not None
    assert env.show(merged.revision)[0].phase == "contract"
    assert [f for f in env.verify() if f.severity == "error"] == []


def test_verify_reports_a_contradicting_merge(
    make_env: t.Callable[..., Environment], engine: sa.Engine, revisions: t.Any
) -> None:
    _write(revisions, "a", None, None)
    _write(revisions, "b", "a", "contract")
    _write(revisions, "c", "a", None)
    merge = _write(revisions, "m", ("b", "c"), "expand")
    env = make_env(sa.MetaData(), engine)

    # The hand-written ids ("a", "b") are warned about too.
    (finding,) = [f for f in env.verify() if f.severity == "error"]
    assert finding.kind == "phase-contradiction"
    assert finding.severity == "error"
    assert finding.files[0] == str(merge)
    assert finding.message == (
        "Merge m is marked expand, but its parent b is a contract revision,"
        " so an expand run never reaches it."
    )
    assert finding.fix == "Mark it contract, or give it no phase."
