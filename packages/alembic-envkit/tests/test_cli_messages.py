"""What the commands say when they refuse or fail, and what they report
when they run: one line naming the argument and the fix, nothing changed.
"""

from __future__ import annotations

import importlib
import importlib.metadata
import json
import re
import sys
import textwrap
import typing as t
from pathlib import Path

import pytest
import sqlalchemy as sa
from click.testing import CliRunner
from click.testing import Result
from packaging.version import Version

import alembic_envkit
from alembic_envkit import Environment
from alembic_envkit import make_group
from alembic_envkit.cli import main

Invoke: t.TypeAlias = t.Callable[..., Result]
Versions: t.TypeAlias = t.Callable[[sa.Engine], set[str]]


def _invoker(env: Environment) -> Invoke:
    group = make_group(lambda: env)
    runner = CliRunner()

    def invoke(*args: str) -> Result:
        return runner.invoke(group, list(args))

    return invoke


@pytest.fixture
def invoke(env: Environment) -> Invoke:
    """Run a command of the group on the single-database environment."""
    return _invoker(env)


@pytest.fixture
def invoke_multi(multi_env: Environment) -> Invoke:
    """Run a command of the group on the two-database environment."""
    return _invoker(multi_env)


def _error(result: Result) -> str:
    """The one ``Error:`` line of a refused command, which printed nothing on
    stdout and no traceback.
    """
    assert result.exit_code == 1, (result.stdout, result.stderr)
    assert result.stdout == ""
    assert "Traceback" not in result.stderr
    lines = [x for x in result.stderr.splitlines() if x.startswith("Error:")]
    assert len(lines) == 1, result.stderr
    assert result.stderr.splitlines()[-1] == lines[0]
    return lines[0]


def _ok(result: Result) -> str:
    assert result.exit_code == 0, (result.stdout, result.stderr)
    return result.stdout


def _files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in folder.glob("*.py")}


def _two_branches(write_revision: t.Callable[..., Path], migrations: Path) -> None:
    """The default branch a1 -> a2, and an independent branch ``audit``."""
    write_revision(migrations, "a1", None, labels=("default",))
    write_revision(migrations, "a2", "a1")
    write_revision(migrations, "b1", None, labels=("audit",))


def test_merge_refuses_independent_branches(
    invoke: Invoke, write_revision: t.Callable[..., Path], migrations: Path
) -> None:
    """``merge`` without revisions refuses heads of independent branches and
    names them; no file is written.
    """
    _two_branches(write_revision, migrations)
    before = _files(migrations)
    line = _error(invoke("merge"))
    assert "2 independent branches (audit: b1; default: a2)" in line
    assert "nothing to merge" in line
    assert "'merge b1 a2'" in line
    assert _files(migrations) == before


def test_merge_names_the_branch_with_two_heads(
    invoke: Invoke, write_revision: t.Callable[..., Path], migrations: Path
) -> None:
    """With a branch at two heads beside an independent one, the error gives
    the ``merge`` of that branch's heads, which then works.
    """
    _two_branches(write_revision, migrations)
    write_revision(migrations, "a3", "a1")
    before = _files(migrations)
    line = _error(invoke("merge"))
    assert "(audit: b1; default: a2, a3)" in line
    assert line.endswith("Merge one branch's heads: 'merge a2 a3'.")
    assert _files(migrations) == before
    _ok(invoke("merge", "a2", "a3"))
    assert len(_files(migrations)) == len(before) + 1


def test_merge_without_branches_merges_heads(
    invoke: Invoke,
    env: Environment,
    write_revision: t.Callable[..., Path],
    migrations: Path,
) -> None:
    """Heads grown from one revision are still merged without arguments."""
    write_revision(migrations, "a1", None)
    write_revision(migrations, "a2", "a1")
    write_revision(migrations, "a3", "a1")
    _ok(invoke("merge"))
    (head,) = env.heads()
    assert set(head.down_revision) == {"a2", "a3"}


def test_merge_joins_unlabelled_root_with_named_branch(
    invoke: Invoke,
    env: Environment,
    write_revision: t.Callable[..., Path],
    migrations: Path,
) -> None:
    """A root without a branch label beside the default branch is not a
    second named branch: ``merge`` without revisions joins them.
    """
    write_revision(migrations, "a1", None, labels=("default",))
    write_revision(migrations, "b1", None)
    _ok(invoke("merge"))
    (head,) = env.heads()
    assert set(head.down_revision) == {"a1", "b1"}


def test_bare_downgrade_refuses_several_heads(
    invoke: Invoke,
    env: Environment,
    engine: sa.Engine,
    versions: Versions,
    write_revision: t.Callable[..., Path],
    migrations: Path,
) -> None:
    """A bare ``downgrade`` on a database at two branches' heads is refused,
    naming the branches and the ``branch@-1`` form; nothing is downgraded.
    """
    _two_branches(write_revision, migrations)
    env.upgrade()

    for args in [(), ("1",), ("-1",)]:
        result = invoke("downgrade", *args)
        line = _error(result)
        assert "Warning" not in result.stderr
        assert "at 2 heads (default at a2, audit at b1)" in line
        assert "'downgrade default@-1' or 'downgrade audit@-1'" in line
        assert versions(engine) == {"a2", "b1"}

    _ok(invoke("downgrade", "audit@-1"))
    assert versions(engine) == {"a2"}


def test_downgrade_too_far_changes_nothing(
    invoke_multi: Invoke,
    multi_env: Environment,
    engine: sa.Engine,
    auth_engine: sa.Engine,
    versions: Versions,
) -> None:
    """A step count one database cannot go is refused before any database
    runs a revision.
    """
    multi_env.revision("one", empty=True)
    multi_env.revision("two", empty=True)
    one, two = [s.revision for s in reversed(multi_env.log())]
    multi_env.upgrade()

    with multi_env.selecting(["auth"]):
        multi_env.downgrade(1)

    result = invoke_multi("downgrade", "2")
    assert versions(engine) == {two}
    assert versions(auth_engine) == {one}
    line = _error(result)
    assert "Database 'auth': Relative revision -2 didn't produce 2" in line


def _parent_child(foreign_key: bool) -> sa.MetaData:
    metadata = sa.MetaData()
    sa.Table("parent", metadata, sa.Column("id", sa.Integer, primary_key=True))
    key = [sa.ForeignKey("parent.id")] if foreign_key else []
    sa.Table(
        "child",
        metadata,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("parent_id", sa.Integer, *key),
    )
    return metadata


@pytest.mark.skipif(
    Version(importlib.metadata.version("alembic")) < Version("1.20"),
    reason="Alembic 1.20 added autogenerate's warning about dropping an unnamed"
    " constraint (its changelog, ticket 916)",
)
@pytest.mark.filterwarnings("always::UserWarning")
def test_warning_is_one_line(
    make_env: t.Callable[..., Environment], engine: sa.Engine
) -> None:
    """Autogenerate's warning about an unnamed constraint prints as one line,
    without the file it was raised in.
    """
    before = make_env(_parent_child(True), engine)
    before.mkdir()
    _ok(_invoker(before)("revision", "tables"))
    _ok(_invoker(before)("upgrade"))
    result = _invoker(make_env(_parent_child(False), engine))("revision", "drop key")
    _ok(result)
    lines = [x for x in result.stderr.splitlines() if "unnamed constraint" in x]
    assert len(lines) == 1
    assert lines[0].startswith("Warning: Autogenerate rendered a drop_constraint()")
    assert "constraint name is added to the directive. Consider" in lines[0]
    assert ".py:" not in result.stderr
    assert "util.warn" not in result.stderr


def test_upgrade_downgrade_json(
    invoke_multi: Invoke, multi_env: Environment, engine: sa.Engine
) -> None:
    """``--format json`` prints the revisions that ran on each database as
    one JSON document; the summary counts one revision on two databases.
    """
    multi_env.revision("one", empty=True)
    multi_env.revision("two", empty=True)
    one, two = [s.revision for s in reversed(multi_env.log())]

    with multi_env.selecting(["default"]):
        multi_env.upgrade(one)

    result = invoke_multi("upgrade", "--format", "json")
    document = json.loads(_ok(result))
    assert document["command"] == "upgrade"
    assert document["schema_version"] == 1
    ran = {
        name: [(r["revision"], r["message"]) for r in items]
        for name, items in document["databases"].items()
    }
    assert ran == {"default": [(two, "two")], "auth": [(one, "one"), (two, "two")]}
    assert all(
        isinstance(r["seconds"], float)
        for items in document["databases"].values()
        for r in items
    )
    assert re.search(r"^Ran 2 revisions on 2 databases in ", result.stderr, re.M)

    result = invoke_multi("downgrade", "--format", "json")
    document = json.loads(_ok(result))
    assert document["command"] == "downgrade"
    assert document["databases"] == {
        name: [{"revision": two, "message": "two", "seconds": item["seconds"]}]
        for name, (item,) in document["databases"].items()
    }
    assert set(document["databases"]) == {"default", "auth"}
    assert re.search(r"^Ran 1 revision on 2 databases in ", result.stderr, re.M)


def test_upgrade_json_nothing_to_run(invoke: Invoke, env: Environment) -> None:
    """With nothing to run, the document lists each database with nothing."""
    env.revision("one", empty=True)
    env.upgrade()
    document = json.loads(_ok(invoke("upgrade", "--format", "json")))
    assert document["databases"] == {"default": []}


def test_one_database_summary(invoke: Invoke, env: Environment) -> None:
    """One database: the summary counts revisions without databases."""
    env.revision("one", empty=True)
    result = invoke("upgrade")
    _ok(result)
    assert re.search(r"^Ran 1 revision in \d+\.\d\ds\.$", result.stderr, re.M)


@pytest.mark.parametrize("args", [("-1",), ("--", "-1"), ("1",), ("-q", "-1")])
def test_downgrade_negative_steps(
    invoke: Invoke,
    env: Environment,
    engine: sa.Engine,
    versions: Versions,
    args: tuple[str, ...],
) -> None:
    """``downgrade -1`` goes one revision down, as ``downgrade 1`` does."""
    env.revision("one", empty=True)
    env.revision("two", empty=True)
    one, two = [s.revision for s in reversed(env.log())]
    env.upgrade()
    _ok(invoke("downgrade", *args))
    assert versions(engine) == {one}


def test_negative_steps_after_value_option(
    invoke: Invoke, env: Environment, engine: sa.Engine, versions: Versions
) -> None:
    """An option's value that looks like a negative number stays the
    option's value.
    """
    env.revision("one", empty=True)
    env.upgrade()
    _ok(invoke("downgrade", "-x", "-5", "-1"))
    assert versions(engine) == set()


def test_revision_behind_head(
    invoke: Invoke, env: Environment, engine: sa.Engine, migrations: Path
) -> None:
    """``revision`` on a database behind head names it, where it is, and says
    to upgrade first; no file is written.
    """
    env.revision("one", empty=True)
    env.revision("two", empty=True)
    one, two = [s.revision for s in reversed(env.log())]
    env.upgrade(one)
    before = _files(migrations)
    line = _error(invoke("revision", "more"))
    assert line == (
        f"Error: Database 'default' (at {one}) is not at head ({two});"
        " autogenerate compares the models with a database at head. Run"
        " 'upgrade' first, then write the revision."
    )
    assert _files(migrations) == before


def test_revision_behind_head_names_databases(
    invoke_multi: Invoke, multi_env: Environment
) -> None:
    """With several databases, only those behind are named."""
    multi_env.revision("one", empty=True)
    (one,) = multi_env.heads()

    with multi_env.selecting(["default"]):
        multi_env.upgrade()

    line = _error(invoke_multi("revision", "more"))
    assert f"Database 'auth' (at <base>) is not at head ({one.revision})" in line
    assert "'default'" not in line


def test_offline_downgrade_hint(invoke: Invoke, env: Environment) -> None:
    """An offline downgrade without a range suggests ranges the command
    takes, and no Python-only argument on its own.
    """
    env.revision("one", empty=True)
    line = _error(invoke("downgrade", "--sql"))
    assert "give a FROM:TO range such as 'head:-1' or 'head:base'" in line
    assert "or 'start'" not in line
    assert "-- Running downgrade" in _ok(invoke("downgrade", "--sql", "head:-1"))


def test_multidb_failure_sentences(
    invoke_multi: Invoke, multi_env: Environment, migrations: Path
) -> None:
    """The failure and where the databases are now are two sentences."""
    multi_env.revision("bad", empty=True)
    (bad,) = multi_env.heads()
    path = Path(bad.path)
    text = path.read_text()
    path.write_text(
        text.replace(
            'def upgrade_auth() -> None:\n    """Upgrade auth schema."""\n    pass',
            'def upgrade_auth() -> None:\n    raise ValueError("it has no name")',
        )
    )
    line = _error(invoke_multi("upgrade"))
    assert "ValueError: it has no name. Databases now at: " in line


def test_failure_names_file_and_line(
    invoke: Invoke, env: Environment, engine: sa.Engine, versions: Versions
) -> None:
    """A failing revision names its file and the line the error was raised
    on; ``-v`` also prints the traceback.
    """
    env.revision("bad", empty=True)
    (bad,) = env.heads()
    path = Path(bad.path)
    lines = path.read_text().splitlines()
    at = lines.index("def upgrade() -> None:") + 3
    lines.insert(at - 1, "    sa.Integr")
    path.write_text("\n".join(lines) + "\n")
    assert path.read_text().splitlines()[at - 1] == "    sa.Integr"
    line = _error(invoke("upgrade"))
    assert line == (
        f"Error: Migration failed on database 'default', upgrade of revision"
        f" {bad.revision} (bad) in {path}, line {at}: AttributeError: module"
        " 'sqlalchemy' has no attribute 'Integr'"
    )
    assert not sa.inspect(engine).has_table("alembic_version") or (
        versions(engine) == set()
    )
    result = invoke("upgrade", "-v")
    assert result.exit_code == 1
    assert "Traceback (most recent call last):" in result.stderr
    assert f'File "{path}", line {at}, in upgrade' in result.stderr
    assert result.stderr.splitlines()[-1] == line


@pytest.mark.parametrize("target", ["2026112", "20261122", "+2026112"])
def test_date_as_target(
    invoke: Invoke,
    env: Environment,
    engine: sa.Engine,
    write_revision: t.Callable[..., Path],
    migrations: Path,
    target: str,
) -> None:
    """Digits that start a timestamp id are refused with both readings; with
    ``+`` they are steps.
    """
    write_revision(migrations, "20261122T101010000", None)
    result = invoke("upgrade", target)

    if target.startswith("+"):
        assert "didn't produce" in _error(result)
        return

    assert _error(result) == (
        f"Error: {target!r} is both a number of steps and the start of the id"
        f" of revision 20261122T101010000. Write +{target} for {target} steps,"
        " or the revision's full id."
    )
    assert not sa.inspect(engine).has_table("alembic_version")


def test_short_digits_are_steps(
    invoke: Invoke,
    env: Environment,
    engine: sa.Engine,
    versions: Versions,
    write_revision: t.Callable[..., Path],
    migrations: Path,
) -> None:
    """Fewer than four digits are steps even when an id starts with them."""
    write_revision(migrations, "1a", None)
    write_revision(migrations, "1b", "1a")
    _ok(invoke("upgrade", "1"))
    assert versions(engine) == {"1a"}
    _error(invoke("downgrade", "1000"))
    assert versions(engine) == {"1a"}


def test_date_as_downgrade_target(
    invoke: Invoke,
    env: Environment,
    engine: sa.Engine,
    versions: Versions,
    write_revision: t.Callable[..., Path],
    migrations: Path,
) -> None:
    """For a downgrade, the step reading is written with ``-``."""
    write_revision(migrations, "20261122T101010000", None)
    write_revision(migrations, "20261123T101010000", "20261122T101010000")
    env.upgrade()
    line = _error(invoke("downgrade", "2026112"))
    assert "of several revisions. Write -2026112 for 2026112 steps" in line
    assert versions(engine) == {"20261123T101010000"}


def test_public_dir() -> None:
    """``dir(alembic_envkit)`` lists the public names, not the typing
    module.
    """
    names = dir(alembic_envkit)
    assert "t" not in names
    assert "MigrationEvent" in names
    assert "RevisionError" in names
    assert set(names) == set(alembic_envkit.__all__)


ENV_MODULE = textwrap.dedent(
    """\
    import os

    import sqlalchemy as sa

    from alembic_envkit import Environment
    from alembic_envkit import Settings
    from alembic_envkit import Targets

    HERE = os.path.dirname(os.path.abspath(__file__))
    engine = sa.create_engine(f"sqlite:///{HERE}/app.sqlite")
    env = Environment(Settings.from_mappings(root=HERE), Targets(sa.MetaData(), engine))
    """
)


@pytest.fixture
def envkit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> t.Iterator[Invoke]:
    """Run the ``alembic-envkit`` command with a module ``msg_app`` in the
    test's folder.
    """
    (tmp_path / "msg_app.py").write_text(ENV_MODULE)
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delenv("ALEMBIC_ENVKIT_ENV", raising=False)
    importlib.invalidate_caches()
    sys.modules.pop("msg_app", None)
    runner = CliRunner()

    def invoke(*args: str, **kwargs: t.Any) -> Result:
        return runner.invoke(main, list(args), **kwargs)

    yield invoke

    module = sys.modules.pop("msg_app", None)

    if module is not None:
        module.env.close()
        module.engine.dispose()


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("bogus", "Cannot import 'bogus' from ALEMBIC_ENVKIT_ENV='bogus': "),
        ("msg_app:nope", "has no attribute 'nope' (ALEMBIC_ENVKIT_ENV='msg_app:nope')"),
        ("msg_app:engine", "ALEMBIC_ENVKIT_ENV='msg_app:engine' gives 'Engine'"),
    ],
)
def test_env_variable_named(
    envkit: Invoke, tmp_path: Path, spec: str, message: str
) -> None:
    """An environment named by the variable is reported by the variable's
    name; with --env, by the option.
    """
    result = envkit("current", env={"ALEMBIC_ENVKIT_ENV": spec})
    assert result.exit_code == 2
    assert message in result.stderr
    assert "--env" not in result.stderr.splitlines()[-1]
    result = envkit("--env", spec, "current")
    assert result.exit_code == 2
    assert f"--env {spec!r}" in result.stderr
    assert not (tmp_path / "migrations").exists()


@pytest.mark.parametrize("args", [("--env", "msg_app:env"), ("--env=msg_app:env",)])
def test_env_after_command(
    envkit: Invoke, tmp_path: Path, args: tuple[str, ...]
) -> None:
    """``--env`` after the command gets a hint that it goes before it."""
    result = envkit("current", *args)
    assert result.exit_code == 2
    assert result.stderr.splitlines()[-1] == (
        "Error: No such option '--env' here: --env goes before the command, as"
        " in 'alembic-envkit --env app:env current'."
    )
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "app.sqlite").exists()
