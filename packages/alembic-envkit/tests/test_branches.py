from __future__ import annotations

import typing as t
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.script import Script

from alembic_envkit import ConfigurationError
from alembic_envkit import Environment
from alembic_envkit import RevisionError

Tables: t.TypeAlias = t.Callable[[sa.Engine], set[str]]


@pytest.fixture
def users_path(tmp_path: Path) -> Path:
    """The folder of the ``users`` branch."""
    return tmp_path / "users"


@pytest.fixture
def branch_env(
    make_env: t.Callable[..., Environment], metadata: sa.MetaData, engine: sa.Engine
) -> Environment:
    """An environment with a ``users`` branch living in its own folder."""
    env = make_env(metadata, engine, {"version_locations": [("users", "users")]})
    env.mkdir()
    return env


def one(scripts: list[Script | None]) -> Script:
    (script,) = scripts
    assert script is not None
    return script


def test_new_branch_starts_from_base(
    branch_env: Environment, users_path: Path, migrations: Path
) -> None:
    """A new named branch starts from base, labelled, in its own folder."""
    main = one(branch_env.revision("main", empty=True))
    users = one(branch_env.revision("users one", empty=True, branch="users"))
    assert main.down_revision is None
    assert main.branch_labels == {"default"}
    assert Path(main.path).parent == migrations
    assert users.down_revision is None
    assert users.branch_labels == {"users"}
    assert Path(users.path).parent == users_path
    assert "branch_labels: Union[str, Sequence[str], None] = ('users',)" in (
        Path(users.path).read_text()
    )


def test_branch_continues_on_its_head(
    branch_env: Environment, users_path: Path
) -> None:
    """The next revision on a branch parents on its head, in its folder."""
    branch_env.revision("main", empty=True)
    first = one(branch_env.revision("users one", empty=True, branch="users"))
    main2 = one(branch_env.revision("main two", empty=True))
    second = one(branch_env.revision("users two", empty=True, branch="users"))
    assert second.down_revision == first.revision
    assert second.branch_labels == set()
    assert Path(second.path).parent == users_path
    assert main2.down_revision != first.revision
    assert branch_env.show("users@head")[0].revision == second.revision


def test_default_branch_independent(branch_env: Environment) -> None:
    """Revisions on the default branch never parent on another branch."""
    main = one(branch_env.revision("main", empty=True))
    branch_env.revision("users one", empty=True, branch="users")
    main2 = one(branch_env.revision("main two", empty=True))
    assert main2.down_revision == main.revision
    heads = {s.revision for s in branch_env.heads()}
    assert main2.revision in heads
    assert len(heads) == 2
    assert branch_env.branches() == []


def test_branch_first_revision_without_default(branch_env: Environment) -> None:
    """A named branch can be the first history in the folder."""
    users = one(branch_env.revision("users one", empty=True, branch="users"))
    main = one(branch_env.revision("main", empty=True))
    assert users.down_revision is None
    assert main.down_revision is None
    assert main.branch_labels == {"default"}


def test_upgrade_heads_applies_both(
    branch_env: Environment,
    metadata: sa.MetaData,
    engine: sa.Engine,
    tables: Tables,
) -> None:
    """``upgrade("heads")`` applies every branch; ``branch@head`` one."""
    main = one(branch_env.revision("main"))
    users = one(branch_env.revision("users one", empty=True, branch="users"))
    branch_env.upgrade("users@head")
    assert [s.revision for s in branch_env.current()] == [users.revision]
    assert "user" not in tables(engine)
    branch_env.upgrade("heads")
    assert {s.revision for s in branch_env.current()} == {
        main.revision,
        users.revision,
    }
    assert "user" in tables(engine)
    assert not branch_env.needs_upgrade()


def test_downgrade_one_branch(branch_env: Environment) -> None:
    """``branch@-1`` steps one branch down and leaves the other alone."""
    main = one(branch_env.revision("main", empty=True))
    users = one(branch_env.revision("users one", empty=True, branch="users"))
    users2 = one(branch_env.revision("users two", empty=True, branch="users"))
    branch_env.upgrade("heads")
    branch_env.downgrade("users@-1")
    assert {s.revision for s in branch_env.current()} == {
        main.revision,
        users.revision,
    }
    assert users2.revision not in {s.revision for s in branch_env.current()}


def test_upgrade_head_with_branches(branch_env: Environment) -> None:
    """With two branches, ``head`` is ambiguous and says how to choose."""
    branch_env.revision("main", empty=True)
    branch_env.revision("users one", empty=True, branch="users")

    with pytest.raises(
        RevisionError, match="Multiple head revisions are present for given argument"
    ) as info:
        branch_env.upgrade("head")

    assert "'heads' for all heads" in str(info.value)
    assert branch_env.current() == ()


def test_branch_without_location(env: Environment, migrations: Path) -> None:
    """A branch without a configured folder goes to the migrations folder."""
    shop = one(env.revision("shop", empty=True, branch="shop"))
    assert shop.branch_labels == {"shop"}
    assert shop.down_revision is None
    assert Path(shop.path).parent == migrations


@pytest.mark.parametrize("name", ["a b", "x@head", "a/b"])
def test_bad_branch_name(env: Environment, name: str) -> None:
    """A branch name Alembic could misread is refused."""
    with pytest.raises(ConfigurationError, match="Branch name .* is not allowed"):
        env.revision("x", empty=True, branch=name)


def test_adopt_hand_written_history(
    env: Environment,
    migrations: Path,
    write_revision: t.Callable[..., Path],
) -> None:
    """The default branch continues an unlabelled history, not a new root."""
    write_revision(migrations, "aaa", None)
    write_revision(migrations, "bbb", "aaa")
    new = one(env.revision("next", empty=True))
    assert new.down_revision == "bbb"
    assert new.branch_labels == {"default"}
    assert [s.revision for s in env.heads()] == [new.revision]
    newer = one(env.revision("newer", empty=True))
    assert newer.down_revision == new.revision
    assert newer.branch_labels == set()
    env.upgrade()
    assert [s.revision for s in env.log()] == [
        newer.revision,
        new.revision,
        "bbb",
        "aaa",
    ]


def test_adopt_history_written_without_branch(env: Environment) -> None:
    """``branch=""`` writes an unlabelled revision that default adopts."""
    plain = one(env.revision("plain", empty=True, branch=""))
    assert plain.branch_labels == set()
    new = one(env.revision("next", empty=True))
    assert new.down_revision == plain.revision
    assert len(env.heads()) == 1


def test_adopt_several_unlabelled_heads(
    env: Environment, migrations: Path, write_revision: t.Callable[..., Path]
) -> None:
    """Several unlabelled heads need a merge or a named parent."""
    write_revision(migrations, "aaa", None)
    write_revision(migrations, "bbb", None)

    with pytest.raises(RevisionError, match=r"2 heads \(.*\)\. Merge them first"):
        env.revision("next", empty=True)

    new = one(env.revision("next", empty=True, parent="bbb"))
    assert new.down_revision == "bbb"
    assert new.branch_labels == {"default"}


def test_named_branch_ignores_unlabelled_history(
    branch_env: Environment,
    migrations: Path,
    write_revision: t.Callable[..., Path],
) -> None:
    """A new named branch starts from base beside an unlabelled history."""
    write_revision(migrations, "aaa", None)
    users = one(branch_env.revision("users", empty=True, branch="users"))
    assert users.down_revision is None


def test_log_and_show_current_on_two_branches(branch_env: Environment) -> None:
    """``current`` on two branches means both current revisions."""
    main = one(branch_env.revision("main", empty=True))
    main2 = one(branch_env.revision("main two", empty=True))
    users = one(branch_env.revision("users one", empty=True, branch="users"))
    branch_env.upgrade(["users@head", main.revision])
    assert {s.revision for s in branch_env.show("current")} == {
        main.revision,
        users.revision,
    }
    assert {s.revision for s in branch_env.log(start="current")} == {
        main2.revision,
        main.revision,
        users.revision,
    }
    assert {s.revision for s in branch_env.log(end="current")} == {
        main.revision,
        users.revision,
    }
