"""Upgrade, downgrade and stamp through a history with a branch and a merge,
and named branches, on every dialect.
"""

from __future__ import annotations

import typing as t

import pytest
import sqlalchemy as sa

from alembic_envkit import Environment
from alembic_envkit import RevisionError

Tables: t.TypeAlias = t.Callable[..., set[str]]


@pytest.fixture
def branchy(
    make_env: t.Callable[..., Environment], engine: sa.Engine, revisions: t.Any
) -> Environment:
    """base -> a -> (b, c) -> m: a branch point at a and a merge at m."""
    revisions.write(
        "a",
        None,
        "op.create_table('a', sa.Column('id', sa.Integer, primary_key=True))",
        "op.drop_table('a')",
    )
    revisions.write(
        "b",
        "a",
        "op.create_table('b', sa.Column('id', sa.Integer, primary_key=True))",
        "op.drop_table('b')",
    )
    revisions.write(
        "c",
        "a",
        "op.create_table('c', sa.Column('id', sa.Integer, primary_key=True))",
        "op.drop_table('c')",
    )
    revisions.write(
        "m",
        ("b", "c"),
        "op.create_table('m', sa.Column('id', sa.Integer, primary_key=True))",
        "op.drop_table('m')",
    )
    return make_env(sa.MetaData(), engine)


def test_upgrade_through_merge(
    branchy: Environment, engine: sa.Engine, tables: Tables, versions: Tables
) -> None:
    """Upgrading to heads runs both branches and the merge once each."""
    branchy.upgrade()
    assert tables(engine) == {"alembic_version", "a", "b", "c", "m"}
    assert versions(engine) == {"m"}
    assert [s.revision for s in branchy.current()] == ["m"]


def test_upgrade_one_branch(
    branchy: Environment, engine: sa.Engine, tables: Tables, versions: Tables
) -> None:
    """Upgrading to one side of the branch leaves the other unapplied."""
    branchy.upgrade("b")
    assert tables(engine) == {"alembic_version", "a", "b"}
    assert versions(engine) == {"b"}
    branchy.upgrade("c")
    assert versions(engine) == {"b", "c"}
    assert branchy.needs_upgrade()


def test_downgrade_below_merge(
    branchy: Environment, engine: sa.Engine, tables: Tables, versions: Tables
) -> None:
    """Downgrading from the merge to the branch point undoes all three."""
    branchy.upgrade()
    branchy.downgrade("a")
    assert tables(engine) == {"alembic_version", "a"}
    assert versions(engine) == {"a"}
    branchy.downgrade("base")
    assert tables(engine) == {"alembic_version"}
    assert versions(engine) == set()


def test_downgrade_steps(
    branchy: Environment, engine: sa.Engine, tables: Tables, versions: Tables
) -> None:
    """A step count walks down one revision at a time; from a merge, where a
    step is ambiguous, the error says to name the target.
    """
    branchy.upgrade("b")
    branchy.downgrade(1)
    assert versions(engine) == {"a"}
    assert "b" not in tables(engine)

    branchy.upgrade()

    with pytest.raises(RevisionError, match="name the revision to go to"):
        branchy.downgrade(1)

    assert versions(engine) == {"m"}


def test_stamp_then_upgrade(
    branchy: Environment, engine: sa.Engine, tables: Tables, versions: Tables
) -> None:
    """Stamping records revisions without running them; upgrade goes on from
    there.
    """
    branchy.stamp("b")
    assert versions(engine) == {"b"}
    assert tables(engine) == {"alembic_version"}
    branchy.upgrade("m")
    assert versions(engine) == {"m"}
    assert tables(engine) == {"alembic_version", "c", "m"}


def test_stamp_base_clears(
    branchy: Environment, engine: sa.Engine, tables: Tables, versions: Tables
) -> None:
    """Stamping base empties the version table and leaves tables alone."""
    branchy.upgrade()
    branchy.stamp("base")
    assert versions(engine) == set()
    assert "m" in tables(engine)


def test_named_branches(
    make_env: t.Callable[..., Environment],
    engine: sa.Engine,
    tables: Tables,
    versions: Tables,
    tmp_path: t.Any,
) -> None:
    """Independent branches in their own folders upgrade together."""
    main = sa.MetaData()
    sa.Table("main_item", main, sa.Column("id", sa.Integer, primary_key=True))
    users = sa.MetaData()
    sa.Table("user_account", users, sa.Column("id", sa.Integer, primary_key=True))
    env = make_env(
        [main, users], engine, {"version_locations": [("users", "users_migrations")]}
    )
    (first,) = env.revision("main", empty=True)
    (user,) = env.revision("users", empty=True, branch="users")
    assert first is not None and user is not None
    assert user.down_revision is None
    assert "users" in user.branch_labels
    assert (tmp_path / "users_migrations" / user.path.split("/")[-1]).exists()

    env.upgrade("heads")
    assert versions(engine) == {first.revision, user.revision}
    env.downgrade("users@base")
    assert versions(engine) == {first.revision}


def test_multiple_metadatas_one_database(
    make_env: t.Callable[..., Environment],
    engine: sa.Engine,
    tables: Tables,
) -> None:
    """Tables from several metadatas land in one database and check clean."""
    one = sa.MetaData()
    sa.Table("one", one, sa.Column("id", sa.Integer, primary_key=True))
    two = sa.MetaData()
    sa.Table("two", two, sa.Column("id", sa.Integer, primary_key=True))
    env = make_env([one, two], engine)
    env.revision("both")
    env.upgrade()
    assert {"one", "two"} <= tables(engine)
    assert env.check() == {"default": []}
