"""``lint`` wired into the environment and the command line: the revisions
a database has not applied by default, --since and --all without one, the
three output formats, exit 1 on errors, and allowances listed.
"""

from __future__ import annotations

import json
import typing as t
from pathlib import Path

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from alembic_envkit import Environment
from alembic_envkit import make_group

CREATE = """
def upgrade():
    op.create_table(
        "user",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("email", sa.String(100)),
        sa.Column("legacy", sa.String(100)),
    )


def downgrade():
    op.drop_table("user")
"""

DROP = """
def upgrade():
    op.drop_column("user", "legacy")


def downgrade():
    op.add_column("user", sa.Column("legacy", sa.String(100)))
"""

ALLOWED = """
def upgrade():
    # envkit: allow drop-column -- nothing reads it since release 3
    op.drop_column("user", "legacy")


def downgrade():
    op.add_column("user", sa.Column("legacy", sa.String(100)))
"""


@pytest.fixture
def env(
    tmp_path: Path,
    make_env: t.Callable[..., Environment],
    make_engine: t.Callable[..., sa.Engine],
    write_revision: t.Callable[..., Path],
) -> Environment:
    """r1 creates ``user``, r2 drops one of its columns; the database is at
    r1.
    """
    engine = make_engine(f"sqlite:///{tmp_path / 'app.sqlite'}")
    env = make_env(sa.MetaData(), engine, {"revision_id_pattern": "r[0-9]"})
    write_revision(tmp_path / "migrations", "r1", None, CREATE)
    write_revision(tmp_path / "migrations", "r2", "r1", DROP)
    env.upgrade("r1")
    return env


def test_api_ranges(env: Environment) -> None:
    """By default the revisions not applied, --since those after a
    revision, --all every one.
    """
    (report,) = env.lint().values()
    assert report.revisions == 1
    assert [(f.rule, f.line) for f in report.errors] == [("drop-column", 12)]
    assert env.lint(since="r1")["default"].revisions == 1
    assert env.lint(every=True)["default"].revisions == 2


def test_cli(env: Environment, tmp_path: Path) -> None:
    """Text names the file and line and exits 1; JSON and SARIF carry the
    same finding; an allowance makes it pass and is listed.
    """
    group = make_group(lambda: env)
    runner = CliRunner()
    result = runner.invoke(group, ["lint"])
    assert result.exit_code == 1
    assert "r2_step.py:12: error drop-column" in result.output

    result = runner.invoke(group, ["lint", "--all", "--format", "json"])
    assert result.exit_code == 1
    document = json.loads(result.output)
    assert document["ok"] is False
    assert document["databases"]["default"]["revisions"] == 2

    result = runner.invoke(group, ["lint", "--format", "sarif"])
    log = json.loads(result.output)
    assert log["version"] == "2.1.0"
    (finding,) = log["runs"][0]["results"]
    assert finding["ruleId"] == "drop-column"
    location = finding["locations"][0]["physicalLocation"]
    assert location["region"]["startLine"] == 12

    path = tmp_path / "migrations" / "r2_step.py"
    path.write_text(path.read_text().split("def upgrade")[0] + ALLOWED.lstrip())
    result = runner.invoke(group, ["lint"])
    assert result.exit_code == 0, result.output
    assert "allowed drop-column" in result.output
    assert "nothing reads it since release 3" in result.output

    result = runner.invoke(group, ["lint", "--all", "--since", "r1"])
    assert result.exit_code == 2
    assert "--since or --all" in result.output
