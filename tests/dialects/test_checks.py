"""The checks of ``alembic_envkit.testing`` on every dialect."""

from __future__ import annotations

import typing as t

import pytest
import sqlalchemy as sa

from alembic_envkit import Environment
from alembic_envkit.testing import check_no_drift
from alembic_envkit.testing import check_stairway
from alembic_envkit.testing import check_upgrade
from alembic_envkit.testing import MigrationCheckError

DROP_NAME = """
with op.batch_alter_table("user") as batch:
    batch.drop_column("name")
"""


@pytest.fixture
def metadata() -> sa.MetaData:
    """Models matching the history of :func:`write_history`."""
    metadata = sa.MetaData()
    sa.Table(
        "user",
        metadata,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(50)),
    )
    sa.Table("post", metadata, sa.Column("id", sa.Integer, primary_key=True))
    return metadata


def write_history(revisions: t.Any, drop_name: str = DROP_NAME) -> None:
    """base -> a -> (b, c) -> m: ``user`` in a, its ``name`` column in b,
    ``post`` in c, and a merge.
    """
    revisions.write(
        "a",
        None,
        "op.create_table('user', sa.Column('id', sa.Integer, primary_key=True))",
        "op.drop_table('user')",
    )
    revisions.write(
        "b",
        "a",
        "op.add_column('user', sa.Column('name', sa.String(50)))",
        drop_name,
    )
    revisions.write(
        "c",
        "a",
        "op.create_table('post', sa.Column('id', sa.Integer, primary_key=True))",
        "op.drop_table('post')",
    )
    revisions.write("m", ("b", "c"))


def test_sound_history(
    make_env: t.Callable[..., Environment],
    engine: sa.Engine,
    metadata: sa.MetaData,
    revisions: t.Any,
) -> None:
    """A sound history with a branch and a merge passes the stairway, then
    matches the models.
    """
    write_history(revisions)
    env = make_env(metadata, engine)
    check_stairway(env)
    check_no_drift(env)
    assert {s.revision for s in env.current()} == {"m"}


def test_upgrade(
    make_env: t.Callable[..., Environment],
    engine: sa.Engine,
    metadata: sa.MetaData,
    revisions: t.Any,
) -> None:
    """The history upgrades from base, and the check refuses to start again
    on the upgraded database.
    """
    write_history(revisions)
    env = make_env(metadata, engine)
    check_upgrade(env)

    with pytest.raises(MigrationCheckError, match="Database 'default' is at"):
        check_upgrade(env)


def test_column_left_behind(
    make_env: t.Callable[..., Environment],
    engine: sa.Engine,
    metadata: sa.MetaData,
    revisions: t.Any,
) -> None:
    """A downgrade that leaves a column is found before upgrading again."""
    write_history(revisions, drop_name="pass")
    env = make_env(metadata, engine)

    with pytest.raises(
        MigrationCheckError,
        match=(
            r"Downgrading revision 'b' did not undo its upgrade: table 'user' in"
            r" database 'default' has columns \('id', 'name'\), not \('id',\)"
        ),
    ):
        check_stairway(env)
