"""``verify`` reports every problem of a history at once, from the files'
headers, each with its files and its fix; the command exits 1 on errors and
0 on warnings alone.
"""

from __future__ import annotations

import json
import typing as t
from pathlib import Path

import pytest
import sqlalchemy as sa
from click.testing import CliRunner
from click.testing import Result

from alembic_envkit import ConfigurationError
from alembic_envkit import Environment
from alembic_envkit import Finding
from alembic_envkit import make_group

A, B, C, D = (f"2026010{n}T000000000" for n in range(1, 5))


def _write(
    folder: Path,
    rev: str,
    down: str | tuple[str, ...] | None,
    *,
    name: str | None = None,
    labels: tuple[str, ...] | None = None,
    depends: str | None = None,
) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / (name or f"{rev}_step.py")
    path.write_text(
        f'"""step {rev}"""\n'
        f"revision = {rev!r}\n"
        f"down_revision = {down!r}\n"
        f"branch_labels = {labels!r}\n"
        f"depends_on = {depends!r}\n\n\n"
        "def upgrade():\n    pass\n\n\n"
        "def downgrade():\n    pass\n",
        encoding="utf-8",
    )
    return path


def _kinds(findings: list[Finding]) -> list[tuple[str, str]]:
    return sorted((f.kind, f.severity) for f in findings)


def _run(env: Environment, *args: str) -> Result:
    return CliRunner().invoke(make_group(lambda: env), ["verify", *args])


def test_healthy_history(env: Environment, migrations: Path) -> None:
    """A straight history with ids of the scheme has no findings, and the
    command says so and exits 0.
    """
    _write(migrations, A, None)
    _write(migrations, B, A)
    assert env.verify() == []
    result = _run(env)
    assert result.exit_code == 0, result.output
    assert result.stdout == "The history has no problems.\n"


def test_duplicate_id_across_locations(
    make_env: t.Callable[..., Environment],
    metadata: sa.MetaData,
    engine: sa.Engine,
    tmp_path: Path,
) -> None:
    """The same id in two version locations names both files, and the rest
    of the history is still checked.
    """
    env = make_env(
        metadata,
        engine,
        {"version_locations": [("default", "migrations"), ("extra", "extra")]},
    )
    one = _write(tmp_path / "migrations", A, None)
    two = _write(tmp_path / "extra", A, None, name=f"{A}_copy.py")
    _write(tmp_path / "migrations", C, "nothing")
    findings = env.verify()
    assert _kinds(findings) == [("duplicate-id", "error"), ("missing-parent", "error")]
    (duplicate,) = [f for f in findings if f.kind == "duplicate-id"]
    assert set(duplicate.files) == {str(one), str(two)}
    assert "new id" in duplicate.fix
    result = _run(env)
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert lines[-1] == "2 errors, 0 warnings."
    assert any(line.startswith("error duplicate-id: ") for line in lines)
    assert "Traceback" not in result.output


def test_forgotten_merge(env: Environment, migrations: Path) -> None:
    """Two heads on one branch are an error whose fix is the merge command;
    a labelled branch off a branch point is meant, and is no finding.
    """
    _write(migrations, A, None)
    b = _write(migrations, B, A)
    c = _write(migrations, C, A)
    (finding,) = env.verify()
    assert finding.kind == "multiple-heads"
    assert set(finding.files) == {str(b), str(c)}
    assert f"merge {B} {C}" in finding.fix or f"merge {C} {B}" in finding.fix
    c.unlink()
    _write(migrations, C, A, labels=("feature",))
    assert env.verify() == []


def test_roots(env: Environment, migrations: Path) -> None:
    """Two unlabelled roots are one branch with two roots (and two heads);
    independent branches with their own labels are fine.
    """
    _write(migrations, A, None)
    _write(migrations, B, None)
    assert _kinds(env.verify()) == [
        ("multiple-heads", "error"),
        ("multiple-roots", "error"),
    ]
    (migrations / f"{B}_step.py").unlink()
    _write(migrations, B, None, labels=("other",))
    assert env.verify() == []


def test_missing_links(env: Environment, migrations: Path) -> None:
    """A parent and a dependency that name nothing are each reported, with
    the file.
    """
    _write(migrations, A, None)
    b = _write(migrations, B, "gone")
    c = _write(migrations, C, A, depends="nowhere")
    findings = env.verify()
    assert _kinds(findings) == [
        ("missing-dependency", "error"),
        ("missing-parent", "error"),
    ]
    by_kind = {f.kind: f for f in findings}
    assert by_kind["missing-parent"].files == (str(b),)
    assert "'gone'" in by_kind["missing-parent"].message
    assert by_kind["missing-dependency"].files == (str(c),)


def test_cycle(env: Environment, migrations: Path) -> None:
    """A cycle is one finding naming only the revisions on it, not those
    after it.
    """
    a = _write(migrations, A, B)
    b = _write(migrations, B, A)
    _write(migrations, C, A)
    (finding,) = env.verify()
    assert finding.kind == "cycle"
    assert set(finding.files) == {str(a), str(b)}
    assert "form a cycle" in finding.message


def test_cycle_through_dependency(env: Environment, migrations: Path) -> None:
    """``depends_on`` closes a cycle too, also by branch name."""
    _write(migrations, A, None, labels=("base",))
    _write(migrations, B, A)
    (migrations / f"{A}_step.py").unlink()
    _write(migrations, A, None, labels=("base",), depends=B)
    (finding,) = env.verify()
    assert finding.kind == "cycle"


def test_file_name(env: Environment, migrations: Path) -> None:
    """A file named for one id that declares another is an error whose fix
    names the right file name; a file named by hand is left be.
    """
    _write(migrations, A, None)
    _write(migrations, B, A, name=f"{C}_copied.py")
    _write(migrations, C, B, name="third_by_hand.py")
    (finding,) = env.verify()
    assert finding.kind == "file-name"
    assert repr(f"{B}_copied.py") in finding.fix


def test_unreadable_file(env: Environment, migrations: Path) -> None:
    """A file that can't be read is reported with the reason; the others
    are still checked.
    """
    _write(migrations, A, None)
    broken = migrations / f"{B}_broken.py"
    broken.write_text("revision = (\n", encoding="utf-8")
    _write(migrations, C, "gone")
    findings = env.verify()
    assert _kinds(findings) == [("missing-parent", "error"), ("unreadable", "error")]
    (unreadable,) = [f for f in findings if f.kind == "unreadable"]
    assert unreadable.files == (str(broken),)
    assert "SyntaxError" in unreadable.message or "line 1" in unreadable.message


def test_warnings_alone_exit_zero(env: Environment, migrations: Path) -> None:
    """A placeholder id and an id off the scheme are warnings: reported,
    exit 0.
    """
    _write(migrations, "a1b2c3d4e5f6", None)
    _write(migrations, "second", "a1b2c3d4e5f6")
    assert _kinds(env.verify()) == [
        ("id-scheme", "warning"),
        ("placeholder-id", "warning"),
    ]
    result = _run(env)
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[-1] == "0 errors, 2 warnings."


@pytest.mark.parametrize(
    "rev", ["000000000000", "123456789abc", "abcdef123456", "a1b2c3d4e5f6"]
)
def test_placeholders(env: Environment, migrations: Path, rev: str) -> None:
    _write(migrations, rev, None)
    assert [f.kind for f in env.verify()] == ["placeholder-id"]


@pytest.mark.parametrize("rev", ["3f2a9c1e7b04", "20261122T142530123"])
def test_real_ids(env: Environment, migrations: Path, rev: str) -> None:
    """Alembic's ids and the ones the revision command makes are fine."""
    _write(migrations, rev, None)
    assert env.verify() == []


def test_id_pattern_setting(
    make_env: t.Callable[..., Environment],
    metadata: sa.MetaData,
    engine: sa.Engine,
    migrations: Path,
) -> None:
    """``revision_id_pattern`` sets the scheme; a bad one is a clear error
    from the command, with no traceback.
    """
    _write(migrations, "0001_first", None, name="0001_first.py")
    env = make_env(metadata, engine, {"revision_id_pattern": r"\d{4}_\w+"})
    assert env.verify() == []
    bad = make_env(metadata, engine, {"revision_id_pattern": "(unclosed"})

    with pytest.raises(ConfigurationError, match="revision_id_pattern"):
        bad.verify()

    result = _run(bad)
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert "Error: The 'revision_id_pattern' setting" in result.stderr


def test_json(env: Environment, migrations: Path) -> None:
    """``--format json`` prints the same findings as data."""
    _write(migrations, A, None)
    _write(migrations, B, A)
    _write(migrations, C, A)
    result = _run(env, "--format", "json")
    assert result.exit_code == 1
    document = json.loads(result.stdout)
    assert document["command"] == "verify"
    assert (document["ok"], document["errors"], document["warnings"]) == (
        False,
        1,
        0,
    )
    (finding,) = document["findings"]
    assert finding["kind"] == "multiple-heads"
    assert finding["severity"] == "error"
    assert len(finding["files"]) == 2
    assert finding == env.verify()[0].as_dict()


def test_finding_line(env: Environment, migrations: Path) -> None:
    """A finding's line: severity and kind, the files, what, and the fix."""
    _write(migrations, A, "gone")
    (finding,) = env.verify()
    line = str(finding)
    assert line.startswith("error missing-parent: ")
    assert finding.message in line and line.endswith(finding.fix)
