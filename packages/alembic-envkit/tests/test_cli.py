from __future__ import annotations

import importlib
import os
import subprocess
import sys
import textwrap
import types
import typing as t
from pathlib import Path

import pytest
import sqlalchemy as sa
from click.testing import CliRunner
from click.testing import Result

from alembic_envkit import Environment
from alembic_envkit.cli import main

APP = textwrap.dedent(
    """\
    import os

    import sqlalchemy as sa

    from alembic_envkit import Environment
    from alembic_envkit import Settings
    from alembic_envkit import Targets

    HERE = os.path.dirname(os.path.abspath(__file__))

    metadata = sa.MetaData()
    sa.Table(
        "user",
        metadata,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(50)),
    )
    auth_metadata = sa.MetaData()
    sa.Table("account", auth_metadata, sa.Column("id", sa.Integer, primary_key=True))

    engine = sa.create_engine(f"sqlite:///{HERE}/cli.sqlite")
    auth_engine = sa.create_engine(f"sqlite:///{HERE}/cli_auth.sqlite")
    multi_engine = sa.create_engine(f"sqlite:///{HERE}/cli_multi.sqlite")

    env = Environment(Settings.from_mappings(root=HERE), Targets(metadata, engine))
    multi = Environment(
        Settings.from_mappings({"script_location": "multi"}, root=HERE),
        Targets(
            {"default": metadata, "auth": auth_metadata},
            {"default": multi_engine, "auth": auth_engine},
        ),
    )
    calls = []


    def make_env():
        calls.append(1)
        return env


    not_env = 42
    """
)


@pytest.fixture
def app(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> t.Iterator[types.ModuleType]:
    """A module ``cli_app`` in the test's folder, importable by the CLI. Its
    engines are disposed and it is forgotten when the test ends.
    """
    (tmp_path / "cli_app.py").write_text(APP)
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delenv("ALEMBIC_ENVKIT_ENV", raising=False)
    importlib.invalidate_caches()
    sys.modules.pop("cli_app", None)
    module = importlib.import_module("cli_app")
    yield module
    module.env.close()
    module.multi.close()

    for engine in (module.engine, module.auth_engine, module.multi_engine):
        engine.dispose()

    sys.modules.pop("cli_app", None)


@pytest.fixture
def app_env(app: types.ModuleType) -> Environment:
    """The module's single-database environment."""
    return t.cast(Environment, app.env)


@pytest.fixture
def run(app: types.ModuleType) -> t.Callable[..., Result]:
    """Run the ``alembic-envkit`` command on ``cli_app:env`` by default."""
    runner = CliRunner()

    def invoke(
        *args: str, env_spec: str | None = "cli_app:env", **kwargs: t.Any
    ) -> Result:
        argv = ["--env", env_spec, *args] if env_spec else list(args)
        return runner.invoke(main, argv, **kwargs)

    return invoke


def ok(result: Result) -> str:
    """The stdout of a successful command."""
    assert result.exit_code == 0, (result.stdout, result.stderr)
    return result.stdout


def error_line(result: Result) -> str:
    """The one ``Error:`` line of a failed command, checking that there is
    no traceback and nothing on stdout.
    """
    assert result.exit_code == 1, (result.stdout, result.stderr)
    assert result.stdout == ""
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.startswith("Error:")]
    assert len(lines) == 1
    assert result.stderr.splitlines()[-1] == lines[0]
    return lines[0]


def test_mkdir(run: t.Callable[..., Result], tmp_path: Path) -> None:
    """``mkdir`` creates the folder and template, printing nothing."""
    assert ok(run("mkdir")) == ""
    assert (tmp_path / "migrations" / "script.py.mako").is_file()


def test_revision_upgrade_current(
    run: t.Callable[..., Result], app: types.ModuleType, tmp_path: Path
) -> None:
    """``revision`` prints the new file; ``upgrade`` and ``current`` follow."""
    ok(run("mkdir"))
    out = ok(run("revision", "create users"))
    (path,) = (tmp_path / "migrations").glob("*_create_users.py")
    assert out == f"Generating {path} ... done\n"
    assert "op.create_table('user'" in path.read_text()
    assert ok(run("current")) == ""
    result = run("upgrade")
    assert ok(result) == ""
    assert "Running upgrade" in result.stderr
    assert "user" in sa.inspect(app.engine).get_table_names()
    rev = path.name.split("_")[0]
    assert ok(run("current")) == f"<base> -> {rev} (default) (head), create users\n"


def test_revision_options(run: t.Callable[..., Result], app_env: Environment) -> None:
    """``--empty``, ``--label``, ``--parent`` and ``--splice`` are applied."""
    ok(run("mkdir"))
    ok(run("revision", "one", "--empty"))
    (one,) = app_env.heads()
    ok(run("revision", "two", "--empty", "-l", "extra"))
    (two,) = app_env.heads()
    text = Path(two.path).read_text()
    assert "branch_labels: Union[str, Sequence[str], None] = ('extra',)" in text
    assert "op." not in text
    assert app_env.show("extra@head")[0].revision == two.revision
    ok(run("revision", "three", "--empty", "-p", one.revision, "--splice"))
    assert {s.down_revision for s in app_env.heads()} == {one.revision}


def test_heads_log_show(run: t.Callable[..., Result], app_env: Environment) -> None:
    """``heads``, ``log`` and ``show`` print revision lines."""
    ok(run("mkdir"))
    ok(run("revision", "one", "--empty"))
    ok(run("revision", "two", "--empty"))
    two, one = app_env.log()
    assert ok(run("heads")) == (
        f"{one.revision} -> {two.revision} (default) (head), two\n"
    )
    assert ok(run("log")) == (
        f"{one.revision} -> {two.revision} (default) (head), two\n"
        f"<base> -> {one.revision} (default), one\n"
    )
    assert ok(run("log", "--end", one.revision)) == (
        f"<base> -> {one.revision} (default), one\n"
    )
    assert ok(run("log", "--start", two.revision)).count("\n") == 1
    out = ok(run("show", one.revision))
    assert f"Rev: {one.revision}\n" in out
    assert f"Path: {one.path}\n" in out
    verbose = ok(run("heads", "-v"))
    assert f"Rev: {two.revision} (head)" in verbose


def test_branches(run: t.Callable[..., Result], app_env: Environment) -> None:
    """A revision with two children is a branch point; both are heads."""
    ok(run("mkdir"))
    ok(run("revision", "one", "--empty"))
    assert ok(run("branches")) == ""
    (one,) = app_env.heads()
    ok(run("revision", "two", "--empty"))
    ok(run("revision", "three", "--empty", "-p", one.revision, "--splice"))
    out = ok(run("branches"))
    lines = out.splitlines()
    assert lines[0].startswith(f"<base> -> {one.revision}")
    assert "(branchpoint)" in lines[0]
    assert len(lines) == 3
    assert all(line.startswith(f"    -> {one.revision} -> ") for line in lines[1:])


def test_merge(run: t.Callable[..., Result], app_env: Environment) -> None:
    """``merge`` joins the heads and prints the new file."""
    ok(run("mkdir"))
    ok(run("revision", "one", "--empty"))
    (one,) = app_env.heads()
    ok(run("revision", "two", "--empty"))
    ok(run("revision", "three", "--empty", "-p", one.revision, "--splice"))
    out = ok(run("merge", "-m", "join"))
    (merged,) = app_env.heads()
    assert out == f"Generating {merged.path} ... done\n"
    assert merged.doc == "join"
    assert len(merged.down_revision) == 2


def test_stamp_downgrade(
    run: t.Callable[..., Result], app: types.ModuleType, app_env: Environment
) -> None:
    """``stamp`` records revisions; ``downgrade`` steps down or to a target."""
    ok(run("mkdir"))
    ok(run("revision", "one"))
    ok(run("revision", "two", "--empty"))
    two, one = app_env.log()
    ok(run("stamp", "head"))
    assert "user" not in sa.inspect(app.engine).get_table_names()
    assert [s.revision for s in app_env.current()] == [two.revision]
    ok(run("downgrade"))
    assert [s.revision for s in app_env.current()] == [one.revision]
    ok(run("stamp", "base"))
    assert app_env.current() == ()
    ok(run("upgrade", "1"))
    assert [s.revision for s in app_env.current()] == [one.revision]
    assert "user" in sa.inspect(app.engine).get_table_names()
    ok(run("upgrade"))
    ok(run("downgrade", "base"))
    assert app_env.current() == ()
    assert "user" not in sa.inspect(app.engine).get_table_names()


def test_check(run: t.Callable[..., Result]) -> None:
    """``check`` exits 1 listing changes, and 0 when the database matches."""
    ok(run("mkdir"))
    result = run("check")
    assert result.exit_code == 1
    assert result.stdout == "Changes detected.\n  add_table user\n"
    ok(run("revision", "initial"))
    ok(run("upgrade"))
    assert ok(run("check")) == "No changes detected.\n"


def test_check_multidb(run: t.Callable[..., Result]) -> None:
    """With several databases, each change line names its database."""
    ok(run("mkdir", env_spec="cli_app:multi"))
    result = run("check", env_spec="cli_app:multi")
    assert result.exit_code == 1
    assert result.stdout == (
        "Changes detected.\n  default: add_table user\n  auth: add_table account\n"
    )


def test_current_multidb(run: t.Callable[..., Result], app: types.ModuleType) -> None:
    """With several databases, ``current`` prefixes lines with the name."""
    spec = "cli_app:multi"
    ok(run("mkdir", env_spec=spec))
    ok(run("revision", "initial", env_spec=spec))
    ok(run("upgrade", env_spec=spec))
    (head,) = app.multi.heads()
    line = f"<base> -> {head.revision} (default) (head), initial"
    assert ok(run("current", env_spec=spec)) == f"default: {line}\nauth: {line}\n"
    assert "account" in sa.inspect(app.auth_engine).get_table_names()


def test_current_check_heads(run: t.Callable[..., Result]) -> None:
    """``current --check-heads`` exits 1 while the database is behind."""
    ok(run("mkdir"))
    ok(run("revision", "initial"))
    result = run("current", "--check-heads")
    assert result.exit_code == 1
    assert result.stdout.startswith("Database is not on all head revisions\n")
    ok(run("upgrade"))
    assert run("current", "--check-heads").exit_code == 0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["upgrade", "nope"], "Error: Can't locate revision identified by 'nope'"),
        (["show", "nope"], "Error: Can't locate revision identified by 'nope'"),
        (["upgrade", "0"], "Error: A step count must not be 0."),
    ],
)
def test_revision_error(
    run: t.Callable[..., Result], args: list[str], message: str
) -> None:
    """A revision error is one ``Error:`` line and exit code 1."""
    ok(run("mkdir"))
    ok(run("revision", "one", "--empty"))
    assert error_line(run(*args)) == message


def test_missing_folder_error(run: t.Callable[..., Result]) -> None:
    """Without the migrations folder, the error says to run mkdir."""
    line = error_line(run("heads"))
    assert line.startswith("Error: The migrations folder ")
    assert "Create it with the 'mkdir' command" in line


def test_migration_error(run: t.Callable[..., Result], app_env: Environment) -> None:
    """A failing migration is one line naming the database and revision."""
    ok(run("mkdir"))
    ok(run("revision", "bad", "--empty"))
    (bad,) = app_env.heads()
    path = Path(bad.path)
    path.write_text(
        path.read_text().replace(
            '"""Upgrade schema."""\n    pass', 'raise ValueError("boom\\nsecond line")'
        )
    )
    line = error_line(run("upgrade"))
    assert line == (
        f"Error: Migration failed on database 'default', upgrade of revision"
        f" {bad.revision} (bad) in {path}, line 22: ValueError: boom"
    )


def test_template_mismatch_error(run: t.Callable[..., Result], tmp_path: Path) -> None:
    """A template mismatch is one ``Error:`` line."""
    ok(run("mkdir"))
    (tmp_path / "multi").mkdir()
    template = (tmp_path / "migrations" / "script.py.mako").read_text()
    (tmp_path / "multi" / "script.py.mako").write_text(template)
    line = error_line(run("revision", "x", env_spec="cli_app:multi"))
    assert line.startswith(f"Error: {tmp_path / 'multi' / 'script.py.mako'} is the")
    assert "single-database template, but 2 databases are configured" in line
    assert list((tmp_path / "multi").iterdir()) == [
        tmp_path / "multi" / "script.py.mako"
    ]


def test_env_default_attribute(run: t.Callable[..., Result], tmp_path: Path) -> None:
    """``--env module`` uses the module's ``env`` attribute."""
    ok(run("mkdir", env_spec="cli_app"))
    assert (tmp_path / "migrations").is_dir()


def test_env_factory(
    run: t.Callable[..., Result], app: types.ModuleType, tmp_path: Path
) -> None:
    """``--env`` may name a function returning the environment."""
    ok(run("mkdir", env_spec="cli_app:make_env"))
    assert app.calls == [1]
    assert (tmp_path / "migrations").is_dir()


def test_env_variable(
    run: t.Callable[..., Result], app: types.ModuleType, tmp_path: Path
) -> None:
    """``ALEMBIC_ENVKIT_ENV`` names the environment without ``--env``."""
    result = run("mkdir", env_spec=None, env={"ALEMBIC_ENVKIT_ENV": "cli_app:make_env"})
    ok(result)
    assert app.calls == [1]
    assert (tmp_path / "migrations").is_dir()


def test_env_option_wins(run: t.Callable[..., Result], tmp_path: Path) -> None:
    """``--env`` is used over the environment variable."""
    result = run("mkdir", env={"ALEMBIC_ENVKIT_ENV": "cli_app:not_env"})
    ok(result)
    assert (tmp_path / "migrations").is_dir()


def test_env_missing(run: t.Callable[..., Result]) -> None:
    """Without ``--env`` or the variable, the command is a usage error."""
    result = run("heads", env_spec=None)
    assert result.exit_code == 2
    assert "Say which environment to use with '--env module:attribute'" in (
        result.stderr
    )
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("no_such_module_here", "Cannot import 'no_such_module_here'"),
        ("cli_app:nothing", "Module 'cli_app' has no attribute 'nothing'"),
        ("cli_app:not_env", "--env 'cli_app:not_env' gives 'int', not an Environment"),
    ],
)
def test_env_bad(run: t.Callable[..., Result], spec: str, message: str) -> None:
    """A wrong ``--env`` is a usage error that says what is wrong."""
    result = run("heads", env_spec=spec)
    assert result.exit_code == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_connections_closed_after_command(
    run: t.Callable[..., Result], app_env: Environment
) -> None:
    """The command closes the environment's connections when it ends."""
    ok(run("mkdir"))
    connection = app_env.migration_context.connection
    assert connection is not None
    assert not connection.closed
    ok(run("current"))
    assert connection.closed


def test_logging_restored(run: t.Callable[..., Result]) -> None:
    """The command's log handler is removed when it ends."""
    import logging

    before = list(logging.getLogger("alembic").handlers)
    level = logging.getLogger("alembic").level
    ok(run("mkdir"))
    assert logging.getLogger("alembic").handlers == before
    assert logging.getLogger("alembic").level == level


def test_help_lists_commands() -> None:
    """``--help`` lists every command."""
    result = CliRunner().invoke(main, ["--help"])
    assert result.exit_code == 0

    for name in (
        "mkdir",
        "revision",
        "upgrade",
        "downgrade",
        "current",
        "heads",
        "log",
        "show",
        "branches",
        "stamp",
        "merge",
        "check",
    ):
        assert f"  {name}" in result.stdout


def test_console_script(app: types.ModuleType, tmp_path: Path) -> None:
    """The installed ``alembic-envkit`` command works in a new process."""
    script = Path(sys.executable).parent / "alembic-envkit"
    assert script.is_file()
    environ = dict(os.environ, ALEMBIC_ENVKIT_ENV="cli_app:env")
    environ.pop("PYTHONPATH", None)

    def call(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(script), *args],
            cwd=tmp_path,
            env=environ,
            capture_output=True,
            text=True,
            timeout=120,
        )

    for args in (["mkdir"], ["revision", "initial"], ["upgrade"]):
        done = call(*args)
        assert done.returncode == 0, done.stderr

    done = call("current")
    assert done.returncode == 0, done.stderr
    assert done.stdout.endswith(" (default) (head), initial\n")
    assert "Running upgrade" not in done.stdout
    assert "user" in sa.inspect(app.engine).get_table_names()

    done = call("upgrade", "nope")
    assert done.returncode == 1
    assert done.stdout == ""
    assert done.stderr.splitlines()[-1] == (
        "Error: Can't locate revision identified by 'nope'"
    )
    assert "Traceback" not in done.stderr
