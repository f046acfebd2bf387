"""A plugin branch whose first revision depends on the default branch's head,
as FlaskBB's plugins write theirs: at head in every answer, on every
dialect; and, on SQLite, revisions that look through another connection.
"""

from __future__ import annotations

import json
import textwrap
import typing as t
from pathlib import Path

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from alembic_envkit import Environment
from alembic_envkit import make_group
from alembic_envkit import MigrationError
from alembic_envkit.testing import check_no_drift
from alembic_envkit.testing import check_stairway
from alembic_envkit.testing import check_upgrade

Tables: t.TypeAlias = t.Callable[..., set[str]]

#: A plugin's first revision as FlaskBB writes it: it creates its table
#: unless an older core revision already did, asking through the engine,
#: which opens a connection of its own.
PLUGIN_FIRST = '''\
"""create conversations

Revision ID: p1
Revises:
Create Date: 2018-03-04 10:58:30.132156
"""

from alembic import op
import sqlalchemy as sa

revision = "p1"
down_revision = None
branch_labels = ("conversations",)
depends_on = "d2"


def upgrade():
    connection = op.get_bind()

    if not sa.inspect(connection.engine).has_table("conversations"):
        op.create_table(
            "conversations", sa.Column("id", sa.Integer, primary_key=True)
        )


def downgrade():
    op.drop_table("conversations")
'''


def _write(
    folder: Path,
    rev: str,
    down: str | None,
    table: str,
    labels: tuple[str, ...] | None = None,
) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{rev}_step.py").write_text(
        textwrap.dedent(
            f"""\
            from alembic import op
            import sqlalchemy as sa

            revision = {rev!r}
            down_revision = {down!r}
            branch_labels = {labels!r}
            depends_on = None


            def upgrade():
                op.create_table(
                    {table!r}, sa.Column("id", sa.Integer, primary_key=True)
                )


            def downgrade():
                op.drop_table({table!r})
            """
        )
    )


def _history(folder: Path, core_table: str) -> sa.MetaData:
    """The default branch d1 -> d2, whose d1 creates ``core_table``, and the
    plugin branch p1 -> p2, whose p1 depends on d2. Returns the models.
    """
    _write(folder, "d1", None, core_table, ("default",))
    _write(folder, "d2", "d1", "posts")
    (folder / "p1_step.py").write_text(PLUGIN_FIRST)
    _write(folder, "p2", "p1", "messages")
    metadata = sa.MetaData()

    for name in {core_table, "conversations", "posts", "messages"}:
        sa.Table(name, metadata, sa.Column("id", sa.Integer, primary_key=True))

    return metadata


@pytest.fixture
def plugin_history(tmp_path: Path) -> sa.MetaData:
    """A plugin branch depending on the default head; the plugin creates
    its table.
    """
    return _history(tmp_path / "migrations", "forums")


@pytest.fixture
def moved_table_history(tmp_path: Path) -> sa.MetaData:
    """The same, where an older core revision already created the plugin's
    table, as FlaskBB's core did before the table moved to a plugin.
    """
    return _history(tmp_path / "migrations", "conversations")


def _cli(env: Environment, *args: str) -> tuple[int, str]:
    """Run a command; its exit code and what it printed on stdout."""
    result = CliRunner().invoke(make_group(lambda: env), list(args))
    return result.exit_code, result.stdout


def test_dependent_branch_at_head(
    plugin_history: sa.MetaData,
    make_env: t.Callable[..., Environment],
    engine: sa.Engine,
    versions: Tables,
) -> None:
    """A version row of a revision that depends on the default head counts
    as both heads: needs_upgrade, wait, check, current and their JSON agree.
    """
    env = make_env(plugin_history, engine)
    env.upgrade("default@head")
    assert versions(engine) == {"d2"}
    assert env.needs_upgrade()
    assert set(env.behind_heads()) == {"default"}
    assert _cli(env, "check")[0] == 1

    env.upgrade()
    assert versions(engine) == {"p2"}
    assert not env.needs_upgrade()
    assert env.behind_heads() == {}
    assert env.wait_for_head(0)
    assert env.check() == {"default": []}

    code, output = _cli(env, "check")
    assert code == 0
    assert "No changes detected." in output
    code, output = _cli(env, "check", "--format", "json")
    assert code == 0
    assert json.loads(output)["databases"]["default"]["at_head"] is True
    code, output = _cli(env, "current", "--check-heads")
    assert code == 0
    assert "p2 (conversations) (head)" in output
    code, output = _cli(env, "current", "--format", "json")
    assert json.loads(output)["databases"]["default"]["at_head"] is True
    assert _cli(env, "wait", "--timeout", "0")[0] == 0

    check_no_drift(env)
    assert _cli(env, "upgrade", "default@head")[0] == 0
    assert versions(engine) == {"p2"}


def test_dependent_branch_pytest_plugin_checks(
    plugin_history: sa.MetaData,
    make_env: t.Callable[..., Environment],
    engine: sa.Engine,
    versions: Tables,
) -> None:
    """The pytest plugin's checks pass on a plugin branch that depends on the
    default head, from an empty database.
    """
    env = make_env(plugin_history, engine)
    check_upgrade(env)
    assert versions(engine) == {"p2"}
    env.downgrade("base")
    check_stairway(env)
    check_no_drift(env)


@pytest.mark.parametrize("dialect", ["sqlite"], indirect=True)
def test_sqlite_revision_sees_earlier_revisions(
    moved_table_history: sa.MetaData,
    make_env: t.Callable[..., Environment],
    engine: sa.Engine,
    tables: Tables,
    versions: Tables,
) -> None:
    """On SQLite each revision is committed by default, so one that inspects
    through another connection sees the tables the revisions before it made.
    """
    env = make_env(moved_table_history, engine)
    env.upgrade()
    assert versions(engine) == {"p2"}
    assert {"conversations", "posts", "messages"} <= tables(engine)


@pytest.mark.parametrize("dialect", ["sqlite"], indirect=True)
def test_sqlite_savepoint_mode_still_one_transaction(
    moved_table_history: sa.MetaData,
    make_env: t.Callable[..., Environment],
    engine: sa.Engine,
    tables: Tables,
    versions: Tables,
) -> None:
    """With transaction_mode "savepoint" set, SQLite runs the upgrade in one
    transaction: another connection does not see d1's table, p1 fails and
    the revisions before it are committed.
    """
    env = make_env(moved_table_history, engine, {"transaction_mode": "savepoint"})

    with pytest.raises(
        MigrationError,
        match="database 'default', upgrade of revision p1.*already exists",
    ):
        env.upgrade()

    assert versions(engine) == {"d2"}
    assert "messages" not in tables(engine)
