from __future__ import annotations

import re
import threading
import typing as t
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.util import CommandError

from alembic_envkit import Environment
from alembic_envkit import EnvkitError
from alembic_envkit import new_rev_id
from alembic_envkit import Revision
from alembic_envkit import RevisionError
from alembic_envkit.history._arguments import replace_current
from alembic_envkit.history._arguments import revision_ids


@pytest.fixture
def digits_env(
    make_env: t.Callable[..., Environment], metadata: sa.MetaData, engine: sa.Engine
) -> Environment:
    """An environment with revisions ``1 -> 12 -> 123``, ids made of digits
    only. The next revisions made get ids ``5``, ``6``.
    """
    made = iter(["1", "12", "123", "5", "6"])
    env = make_env(metadata, engine, rev_id=lambda: next(made))
    env.mkdir()

    for message in ("one", "two", "three"):
        env.revision(message, empty=True)

    return env


@pytest.fixture
def prefix_env(
    make_env: t.Callable[..., Environment], metadata: sa.MetaData, engine: sa.Engine
) -> Environment:
    """An environment with revisions ``12 -> 123 -> 1234``: ``1`` is a prefix
    of every id but not an id itself.
    """
    made = iter(["12", "123", "1234"])
    env = make_env(metadata, engine, rev_id=lambda: next(made))
    env.mkdir()

    for message in ("one", "two", "three"):
        env.revision(message, empty=True)

    return env


def current_ids(env: Environment) -> list[str]:
    return [s.revision for s in env.current()]


def test_new_rev_id_unique_in_tight_loop() -> None:
    """Ids made in a tight loop are unique and sort in creation order."""
    made = [new_rev_id() for _ in range(2000)]
    assert len(set(made)) == len(made)
    assert made == sorted(made)


def test_new_rev_id_unique_across_threads() -> None:
    """Ids made at once in several threads are all different."""
    made: list[str] = []

    def work() -> None:
        made.extend(new_rev_id() for _ in range(500))

    threads = [threading.Thread(target=work) for _ in range(4)]

    for thread in threads:
        thread.start()

    for thread in threads:
        thread.join()

    assert len(set(made)) == 2000


def test_new_rev_id_shape() -> None:
    """An id is the UTC time to the millisecond and is never a number."""
    value = new_rev_id()
    assert re.fullmatch(r"\d{8}T\d{9}", value)

    with pytest.raises(ValueError, match="invalid literal for int"):
        int(value)


def test_default_rev_id_used(env: Environment) -> None:
    """Revisions get ids from :func:`new_rev_id` by default."""
    (a,) = env.revision("a", empty=True)
    (b,) = env.revision("b", empty=True)
    assert a is not None and b is not None
    assert re.fullmatch(r"\d{8}T\d{9}", a.revision)
    assert a.revision < b.revision


@pytest.mark.parametrize("target", ["1", "12", "123"])
def test_digits_id_upgrade_exact(digits_env: Environment, target: str) -> None:
    """An all-digits id is reached exactly, not as steps or a prefix."""
    digits_env.upgrade(target)
    assert current_ids(digits_env) == [target]


def test_digits_id_downgrade_exact(digits_env: Environment) -> None:
    """Downgrading to an all-digits id stops at that revision."""
    digits_env.upgrade()
    digits_env.downgrade("12")
    assert current_ids(digits_env) == ["12"]
    digits_env.downgrade("1")
    assert current_ids(digits_env) == ["1"]


def test_digits_id_int_is_steps(digits_env: Environment) -> None:
    """An int is always a step count, even when an id has its digits."""
    digits_env.upgrade(2)
    assert current_ids(digits_env) == ["12"]
    digits_env.upgrade(1)
    assert current_ids(digits_env) == ["123"]
    digits_env.downgrade(1)
    assert current_ids(digits_env) == ["12"]


def test_digits_show(digits_env: Environment) -> None:
    """``show`` finds all-digits ids exactly."""
    assert [s.revision for s in digits_env.show("12")] == ["12"]
    assert [s.revision for s in digits_env.show(["1", "123"])] == ["1", "123"]


def test_digits_not_an_id_is_steps_up(prefix_env: Environment) -> None:
    """``"1"`` with no such id is one step, never the prefix of ``12``."""
    prefix_env.upgrade("1")
    assert current_ids(prefix_env) == ["12"]
    prefix_env.upgrade("1")
    assert current_ids(prefix_env) == ["123"]


def test_digits_not_an_id_is_steps_down(prefix_env: Environment) -> None:
    """``"1"`` with no such id goes one step down."""
    prefix_env.upgrade()
    prefix_env.downgrade("1")
    assert current_ids(prefix_env) == ["123"]
    prefix_env.downgrade("2")
    assert current_ids(prefix_env) == []


def test_digits_plus_sign_is_steps(digits_env: Environment) -> None:
    """A signed number is a step count even when the digits are an id."""
    digits_env.upgrade("1")
    digits_env.upgrade("+1")
    assert current_ids(digits_env) == ["12"]
    digits_env.downgrade("-1")
    assert current_ids(digits_env) == ["1"]


@pytest.mark.parametrize("target", [0, "0", "+0", "-0"])
def test_zero_steps(digits_env: Environment, target: t.Any) -> None:
    """Zero steps is refused."""
    with pytest.raises(RevisionError, match="A step count must not be 0."):
        digits_env.upgrade(target)


@pytest.mark.parametrize("target", [True, False])
def test_bool_target(digits_env: Environment, target: bool) -> None:
    """A bool is not taken as a step count."""
    with pytest.raises(RevisionError, match="A revision target cannot be"):
        digits_env.upgrade(target)


def test_too_many_steps(digits_env: Environment) -> None:
    """More steps than revisions is a revision error."""
    with pytest.raises(RevisionError, match=r"Relative revision \+4 didn't produce"):
        digits_env.upgrade(4)

    assert current_ids(digits_env) == []


def test_relative_to_revision(digits_env: Environment) -> None:
    """``rev+N`` and ``rev-N`` are relative to a revision."""
    digits_env.upgrade("1+1")
    assert current_ids(digits_env) == ["12"]
    digits_env.upgrade()
    digits_env.downgrade("123-2")
    assert current_ids(digits_env) == ["1"]


def test_downgrade_several_targets(digits_env: Environment) -> None:
    """Downgrade takes one target."""
    digits_env.upgrade()

    with pytest.raises(RevisionError, match="Downgrade takes one target revision"):
        digits_env.downgrade(["1", "12"])

    assert current_ids(digits_env) == ["123"]


@pytest.mark.parametrize(
    "call",
    [
        lambda env: env.upgrade("nope"),
        lambda env: env.downgrade("nope"),
        lambda env: env.stamp("nope"),
        lambda env: env.show("nope"),
        lambda env: env.log("nope"),
        lambda env: env.merge(["nope", "1"]),
    ],
    ids=["upgrade", "downgrade", "stamp", "show", "log", "merge"],
)
def test_unknown_revision(
    digits_env: Environment, call: t.Callable[[Environment], object]
) -> None:
    """An unknown revision is a RevisionError and a CommandError."""
    with pytest.raises(
        RevisionError, match="Can't locate revision identified by 'nope'"
    ) as info:
        call(digits_env)

    assert isinstance(info.value, CommandError)
    assert isinstance(info.value, EnvkitError)
    assert current_ids(digits_env) == []


def test_unknown_revision_caught_as_command_error(digits_env: Environment) -> None:
    """``except CommandError`` catches an unknown revision."""
    with pytest.raises(CommandError, match="Can't locate revision"):
        digits_env.upgrade("nope")


def test_ambiguous_prefix(
    make_env: t.Callable[..., Environment], metadata: sa.MetaData, engine: sa.Engine
) -> None:
    """A prefix shared by several ids is an error naming the candidates."""
    made = iter(["abc1", "abc2"])
    env = make_env(metadata, engine, rev_id=lambda: next(made))
    env.mkdir()
    env.revision("one", empty=True)
    env.revision("two", empty=True)

    for call in (env.show, env.upgrade, env.stamp, env.log):
        with pytest.raises(
            RevisionError, match="Multiple revisions start with 'abc': 'abc1', 'abc2'"
        ):
            call("abc")

    assert env.show("abc2")[0].revision == "abc2"

    assert current_ids(env) == []


def test_head_with_several_heads(digits_env: Environment) -> None:
    """``upgrade("head")`` with several heads fails; ``heads`` works."""
    digits_env.revision("other", empty=True, parent="1", splice=True)

    with pytest.raises(RevisionError, match="Multiple head revisions are present"):
        digits_env.upgrade("head")

    assert current_ids(digits_env) == []
    digits_env.upgrade("heads")
    assert sorted(current_ids(digits_env)) == ["123", "5"]


@pytest.mark.parametrize(
    ("value", "expect"),
    [
        (None, []),
        ("abc", ["abc"]),
        (["a", "b"], ["a", "b"]),
        (("a",), ["a"]),
    ],
)
def test_revision_ids_shapes(value: t.Any, expect: list[str]) -> None:
    """Strings and sequences of strings become a list of ids."""
    assert revision_ids(value) == expect


def test_revision_ids_scripts(digits_env: Environment) -> None:
    """Script objects become their ids, alone or in a list."""
    (one,) = digits_env.show("1")
    (two,) = digits_env.show("12")
    assert revision_ids(one) == ["1"]
    assert revision_ids([one, "x", two]) == ["1", "x", "12"]


@pytest.mark.parametrize("item", [1, None, 1.5])
def test_revision_ids_bad_item(item: t.Any) -> None:
    """A list item that is not an id or Script is refused."""
    with pytest.raises(
        RevisionError,
        match="A revision must be an id, a symbol, a Revision or a Script",
    ):
        revision_ids(["a", item])


@pytest.mark.parametrize(
    ("ids", "current", "expect"),
    [
        (["a"], ["x"], ["a"]),
        (["current"], ["x", "y"], ["x", "y"]),
        (["a", "current"], ["x"], ["a", "x"]),
        (["current"], [], ["base"]),
    ],
)
def test_replace_current(ids: list[str], current: list[str], expect: list[str]) -> None:
    """``current`` is replaced by the current revisions, or base; they are
    read only when asked for.
    """
    assert replace_current(ids, lambda: current) == expect
    calls: list[int] = []
    replace_current(["a"], lambda: calls.append(1) or [])
    assert calls == []


def test_revision_type(digits_env: Environment) -> None:
    """The read API returns Revision objects that name their files."""
    assert all(isinstance(s, Revision) for s in digits_env.log())
    assert Path(digits_env.show("1")[0].path).is_file()
