"""The migration linter: suppressions, phases, reading op.execute SQL, line
numbers, the three report formats, and linting a history's revisions.
"""

from __future__ import annotations

import json
import typing as t
from pathlib import Path

import pytest

from alembic_envkit import ConfigurationError
from alembic_envkit import Environment
from alembic_envkit.lint import lint_paths
from alembic_envkit.lint import lint_revisions
from alembic_envkit.lint import LintOptions
from alembic_envkit.lint import LintReport
from alembic_envkit.lint import RULES

HEAD = '''"""a revision"""
from alembic import op
import sqlalchemy as sa

revision = "a1"
down_revision = None
'''


@pytest.fixture
def lint(tmp_path: Path) -> t.Callable[..., LintReport]:
    """Write a revision file from its body and lint it."""

    def run(
        body: str, dialect: str = "postgresql", *, top: str = "", **kw: t.Any
    ) -> LintReport:
        path = tmp_path / "a1_rev.py"
        path.write_text(f"{top}{HEAD}\n\ndef upgrade():\n{body}\n", encoding="utf-8")
        return lint_paths([path], dialect, **kw)

    return run


def test_line_numbers(lint: t.Callable[..., LintReport]) -> None:
    """Each finding names the line of the revision file that called the
    operation, for a call spread over several lines too.
    """
    report = lint(
        '    op.add_column("a", sa.Column("x", sa.Integer()))\n'
        '    op.drop_column("a", "y")\n'
        "    op.create_index(\n"
        '        "ix_a_x", "a", ["x"]\n'
        "    )\n"
    )
    lines = {f.rule: f.line for f in report.findings}
    assert lines == {"drop-column": 11, "index-blocks-writes": 12}


def test_suppression_honoured_and_listed(lint: t.Callable[..., LintReport]) -> None:
    """A suppression on the line above silences the finding and is listed
    with its rule, file, line and reason.
    """
    report = lint(
        "    # envkit: allow drop-column -- unused since release 41\n"
        '    op.drop_column("a", "y")\n'
        '    op.drop_column("a", "z")\n'
    )
    assert [(f.rule, f.line) for f in report.findings] == [("drop-column", 12)]
    (s,) = report.suppressions
    assert (s.rule, s.line, s.reason) == ("drop-column", 10, "unused since release 41")
    assert s.path.endswith("a1_rev.py")
    assert report.used == [1]
    assert "allowed drop-column (line 10, 1 silenced): unused since" in report.text()


def test_suppression_same_line_and_whole_file(
    lint: t.Callable[..., LintReport],
) -> None:
    """A suppression at the end of the operation's line covers it; one at the
    top of the file covers every line.
    """
    report = lint(
        '    op.drop_column("a", "y")  # envkit: allow drop-column -- gone\n'
        '    op.drop_table("b")\n'
        '    op.drop_table("c")\n',
        top="# envkit: allow drop-table -- archive tables, empty since 2025\n",
    )
    assert report.findings == []
    assert [(s.rule, s.whole_file) for s in report.suppressions] == [
        ("drop-table", True),
        ("drop-column", False),
    ]
    assert report.used == [2, 1]


@pytest.mark.parametrize(
    ("comment", "message"),
    [
        ("# envkit: allow drop-colum -- typo", "names unknown rule drop-colum"),
        ("# envkit: allow drop-column", "gives no reason"),
        ("# envkit: allow drop-column --", "gives no reason"),
    ],
)
def test_bad_suppression(
    lint: t.Callable[..., LintReport], comment: str, message: str
) -> None:
    """A suppression naming an unknown rule, or without a reason, is one error
    line, and suppresses nothing.
    """
    report = lint(f'    {comment}\n    op.drop_column("a", "y")\n')
    bad = [f for f in report.findings if f.rule == "invalid-suppression"]
    assert len(bad) == 1 and bad[0].severity == "error" and bad[0].line == 10
    assert message in bad[0].message
    assert "drop-column" in report.rule_ids


def test_expand_phase_makes_destructive_errors(
    lint: t.Callable[..., LintReport],
) -> None:
    """In an expand revision a drop is an error even when the options turn
    its rule off.
    """
    options = LintOptions(ignore=frozenset({"drop-column"}))
    body = '    op.drop_column("a", "y")\n'
    assert lint(body, options=options).findings == []
    (finding,) = lint(body, top='phase = "expand"\n', options=options).findings
    assert finding.rule == "drop-column" and finding.severity == "error"
    assert "expand revision" in finding.message


def test_contract_phase_allows_drops(lint: t.Callable[..., LintReport]) -> None:
    """A contract revision is where drops belong: no finding; a rename
    there still breaks the running code.
    """
    body = (
        '    op.drop_column("a", "y")\n'
        '    op.alter_column("a", "z", new_column_name="w")\n'
    )
    assert {f.rule for f in lint(body).findings} == {"drop-column", "rename-column"}
    report = lint(body, top='phase = "contract"\n')
    assert [f.rule for f in report.findings] == ["rename-column"]


def test_bad_phase(lint: t.Callable[..., LintReport]) -> None:
    """A phase that is neither expand nor contract is an error naming the
    file and the line of the phase.
    """
    report = lint("    pass\n", top='phase = "expnad"\n')
    (finding,) = report.findings
    assert finding.rule == "invalid-phase" and finding.line == 1
    assert "'expnad' is neither 'expand' nor 'contract'" in finding.text()
    assert finding.text().startswith(finding.path)


@pytest.mark.parametrize("dialect", ["postgresql", "mariadb", "sqlite"])
def test_raw_drop_column_found(lint: t.Callable[..., LintReport], dialect: str) -> None:
    """A raw ALTER TABLE ... DROP COLUMN in op.execute is a drop."""
    report = lint('    op.execute("ALTER TABLE a DROP COLUMN y")\n', dialect)
    assert [(f.rule, f.line) for f in report.findings] == [("drop-column", 10)]


def test_unreadable_sql_is_a_warning(lint: t.Callable[..., LintReport]) -> None:
    """SQL the linter can't read is a warning, and linting goes on."""
    report = lint('    op.execute("UPDTE a SET x = 1")\n    op.drop_column("a", "y")\n')
    assert [(f.rule, f.severity) for f in report.findings] == [
        ("unreadable-sql", "warning"),
        ("drop-column", "error"),
    ]


def test_upgrade_needing_a_connection(lint: t.Callable[..., LintReport]) -> None:
    """An upgrade that needs a connection stops with a warning at its line;
    what it did before is linted.
    """
    report = lint(
        '    op.drop_column("a", "y")\n'
        '    op.get_bind().execute(sa.text("select id from a")).fetchall()\n'
    )
    assert [(f.rule, f.line) for f in report.findings] == [
        ("drop-column", 10),
        ("unreadable-revision", 11),
    ]


def test_unknown_dialect(lint: t.Callable[..., LintReport]) -> None:
    """Linting for a dialect the rules don't know is a configuration error."""
    with pytest.raises(ConfigurationError, match="Can't lint for dialect 'oracle'"):
        lint("    pass\n", "oracle")


def test_json(lint: t.Callable[..., LintReport], tmp_path: Path) -> None:
    """The JSON report has the documented shape, paths relative to the root."""
    report = lint(
        "    # envkit: allow drop-table -- gone\n"
        '    op.drop_table("b")\n'
        '    op.drop_column("a", "y")\n'
    )
    data = json.loads(json.dumps(report.as_json(tmp_path)))
    assert data["dialect"] == "postgresql"
    assert (data["revisions"], data["errors"], data["warnings"]) == (1, 1, 0)
    assert data["findings"][0] == {
        "rule": "drop-column",
        "severity": "error",
        "path": "a1_rev.py",
        "line": 12,
        "revision": "",
        "database": "",
        "message": data["findings"][0]["message"],
    }
    assert data["suppressions"] == [
        {
            "rule": "drop-table",
            "path": "a1_rev.py",
            "line": 10,
            "reason": "gone",
            "whole_file": False,
            "used": 1,
        }
    ]


def test_text(lint: t.Callable[..., LintReport], tmp_path: Path) -> None:
    """The text report has a line per finding, then the summary."""
    report = lint('    op.drop_column("a", "y")\n    op.execute("UPDTE a")\n')
    lines = report.text(tmp_path).splitlines()
    assert lines[0].startswith("a1_rev.py:10: error drop-column: dropping column")
    assert lines[1].startswith("a1_rev.py:11: warning unreadable-sql:")
    assert lines[-1] == (
        "1 revisions linted for postgresql: 1 errors, 1 warnings, 0 suppressions"
    )


def test_sarif(lint: t.Callable[..., LintReport], tmp_path: Path) -> None:
    """The SARIF log has the structure SARIF 2.1.0 requires: a version, a
    tool driver with a rule per rule id, and results with physical locations.
    """
    report = lint('    op.drop_column("a", "y")\n    op.execute("UPDTE a")\n')
    sarif = json.loads(json.dumps(report.as_sarif(tmp_path)))
    assert sarif["version"] == "2.1.0"
    (run,) = sarif["runs"]
    driver = run["tool"]["driver"]
    assert driver["name"] == "alembic-envkit"
    assert sorted(r["id"] for r in driver["rules"]) == sorted(RULES)
    assert all(r["help"]["text"] for r in driver["rules"])
    assert [r["level"] for r in run["results"]] == ["error", "warning"]

    for result in run["results"]:
        assert driver["rules"][result["ruleIndex"]]["id"] == result["ruleId"]
        assert result["message"]["text"]
        (location,) = result["locations"]
        physical = location["physicalLocation"]
        assert physical["artifactLocation"]["uri"] == "a1_rev.py"
        assert physical["region"]["startLine"] in (10, 11)


def test_lint_revisions(
    env: Environment,
    migrations: Path,
    write_revision: t.Callable[..., Path],
) -> None:
    """A history's revisions are linted with their ids."""
    write_revision(migrations, "r1", None)
    write_revision(migrations, "r2", "r1", 'op.drop_column("a", "y")')
    heads = env.history.heads()
    assert [h.revision for h in heads] == ["r2"], [h.path for h in heads]
    report = lint_revisions(env.history, heads, "sqlite")
    (finding,) = report.findings
    assert (finding.rule, finding.revision, finding.line) == ("drop-column", "r2", 12)
    assert report.revisions == 1
