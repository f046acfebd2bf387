"""Bad input through ``flask db``: each command is refused with one "Error:"
line on stderr and a non-zero exit, without a traceback, and leaves the
migrations folder and the database exactly as they were.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import typing as t
from pathlib import Path

import pytest
import sqlalchemy as sa
from click.testing import Result
from flask import Flask

from alembic_envkit.history._folder import template_source
from flask_alembic import Alembic

Invoke: t.TypeAlias = t.Callable[..., Result]
State: t.TypeAlias = tuple[dict[str, t.Any], set[str], set[str]]


@pytest.fixture
def app(tmp_path: Path) -> Flask:
    """An app whose root path, and so its migrations folder, is the test's
    temporary folder.
    """
    return Flask(__name__, root_path=str(tmp_path))


@pytest.fixture
def metadata() -> sa.MetaData:
    """Metadata with one ``user`` table."""
    metadata = sa.MetaData()
    sa.Table("user", metadata, sa.Column("id", sa.Integer, primary_key=True))
    return metadata


@pytest.fixture
def init(
    app: Flask, metadata: sa.MetaData, engine: sa.Engine
) -> t.Callable[..., Alembic]:
    """Register an extension on the app, migrating ``metadata`` on ``engine``
    unless told otherwise. New revisions get the ids r001, r002, ...
    """

    def init(**kwargs: t.Any) -> Alembic:
        kwargs.setdefault("metadatas", metadata)
        kwargs.setdefault("engines", engine)
        alembic = Alembic(**kwargs)
        made: list[str] = []

        def rev_id() -> str:
            made.append(f"r{len(made) + 1:03d}")
            return made[-1]

        alembic.rev_id = rev_id  # type: ignore[method-assign]
        alembic.init_app(app)
        return alembic

    return init


@pytest.fixture
def invoke(app: Flask) -> Invoke:
    """Run ``flask db ARGS`` through the app's CLI runner."""
    runner = app.test_cli_runner()

    def invoke(*args: str) -> Result:
        return runner.invoke(args=["db", *args])

    return invoke


@pytest.fixture
def history(init: t.Callable[..., Alembic], invoke: Invoke) -> None:
    """One revision r001 that creates ``user``, applied, with every revision
    file read once (so their bytecode exists before the test).
    """
    init()

    for args in (("revision", "-m", "create user"), ("upgrade",), ("heads",)):
        _ok(invoke(*args))


@pytest.fixture
def snapshot(tmp_path: Path, engine: sa.Engine) -> t.Callable[[], State]:
    """What a command could change: every file, folder and symlink under the
    test's folder (the databases aside), with contents, and the database's
    tables and ``alembic_version`` rows.
    """

    def take() -> State:
        files: dict[str, t.Any] = {}

        for root, dirs, names in os.walk(tmp_path):
            for name in [*dirs, *names]:
                path = Path(root, name)
                key = str(path.relative_to(tmp_path))

                if ".sqlite" in name:
                    continue

                if path.is_symlink():
                    files[key] = ("link", os.readlink(path))
                elif path.is_dir():
                    files[key] = ("dir", oct(path.stat().st_mode))
                else:
                    files[key] = path.read_bytes()

        tables = set(sa.inspect(engine).get_table_names())
        versions: set[str] = set()

        if "alembic_version" in tables:
            with engine.connect() as conn:
                result = conn.execute(
                    sa.text("select version_num from alembic_version")
                )
                versions = set(result.scalars())

        return files, tables, versions

    return take


def _ok(result: Result) -> Result:
    assert result.exit_code == 0, (result.stdout, result.stderr)
    return result


def _refused(result: Result) -> str:
    """The one "Error:" line of a refused command, checking that no exception
    escaped, nothing was printed on stdout and there is no traceback.
    """
    assert result.exit_code == 1, (result.stdout, result.stderr, result.exception)
    assert isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in result.output
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    errors = [line for line in lines if line.startswith("Error:")]
    assert len(errors) == 1, result.stderr
    assert lines[-1] == errors[0]
    return errors[0]


def _write_revision(folder: Path, rev: str, down: str | None, body: str) -> Path:
    """Write a revision file by hand."""
    path = folder / f"{rev}_by_hand.py"
    path.write_text(
        f'"""by hand"""\nrevision = {rev!r}\ndown_revision = {down!r}\n'
        f"branch_labels = None\ndepends_on = None\n\n\n{body}\n",
        encoding="utf-8",
    )
    return path


def _assert_refused_unchanged(
    invoke: Invoke, snapshot: t.Callable[[], State], args: t.Sequence[str], text: str
) -> None:
    """Run a command that must be refused with ``text`` in its error, and
    check that it changed nothing.
    """
    before = snapshot()
    line = _refused(invoke(*args))
    assert text in line
    assert snapshot() == before


@pytest.mark.usefixtures("history")
@pytest.mark.parametrize("args", [("upgrade",), ("downgrade", "base")])
@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("ddl_lock_timeout", 0),
        ("ddl_lock_retries", -2),
        ("ddl_lock_retry_delay", "later"),
    ],
)
def test_bad_ddl_lock_setting(
    app: Flask,
    invoke: Invoke,
    snapshot: t.Callable[[], State],
    args: tuple[str, ...],
    key: str,
    value: t.Any,
) -> None:
    """A bad DDL lock setting under ``ALEMBIC`` is named in one line, and
    nothing runs.
    """
    app.config["ALEMBIC"].update({"ddl_lock_timeout": 1, key: value})
    _assert_refused_unchanged(invoke, snapshot, args, f"The '{key}' setting is")


@pytest.mark.usefixtures("history")
@pytest.mark.parametrize(
    "args",
    [
        ("upgrade", "nope"),
        ("downgrade", "nope"),
        ("stamp", "nope"),
        ("show", "nope"),
        ("log", "--start", "nope"),
        ("revision", "-m", "next", "--empty", "--parent", "nope"),
        ("merge", "r001", "nope"),
    ],
)
def test_unknown_revision(
    invoke: Invoke, snapshot: t.Callable[[], State], args: tuple[str, ...]
) -> None:
    """An unknown revision id is refused, naming it."""
    _assert_refused_unchanged(
        invoke, snapshot, args, "Can't locate revision identified by 'nope'"
    )


@pytest.mark.usefixtures("history")
@pytest.mark.parametrize("prefix", ["a", "ab", "abc"])
@pytest.mark.parametrize("command", ["upgrade", "downgrade", "stamp", "show"])
def test_ambiguous_prefix(
    invoke: Invoke, snapshot: t.Callable[[], State], command: str, prefix: str
) -> None:
    """A prefix that several revision ids start with is refused, naming the
    candidates.
    """
    for rev_id in ("abc1", "abc2"):
        _ok(invoke("revision", "-m", rev_id, "--empty", "--rev-id", rev_id))

    _assert_refused_unchanged(
        invoke,
        snapshot,
        (command, prefix),
        f"Multiple revisions start with '{prefix}': 'abc1', 'abc2'",
    )


@pytest.mark.parametrize(
    ("args", "text"),
    [
        (("upgrade", "head"), "Multiple head revisions"),
        (("downgrade", "head"), "Multiple head revisions"),
        (("revision", "-m", "next", "--empty"), "has 2 heads (left, right)"),
    ],
)
def test_two_heads(
    init: t.Callable[..., Alembic],
    invoke: Invoke,
    snapshot: t.Callable[[], State],
    tmp_path: Path,
    args: tuple[str, ...],
    text: str,
) -> None:
    """A command that needs one head is refused when there are two."""
    init()
    migrations = tmp_path / "migrations"
    _write_revision(migrations, "base1", None, "def upgrade():\n    pass")

    for rev in ("left", "right"):
        _write_revision(migrations, rev, "base1", "def upgrade():\n    pass")

    _ok(invoke("upgrade", "base1"))
    _ok(invoke("heads"))
    _assert_refused_unchanged(invoke, snapshot, args, text)


@pytest.mark.usefixtures("history")
@pytest.mark.parametrize(
    "args",
    [
        ("upgrade",),
        ("upgrade", "1"),
        ("downgrade",),
        ("stamp", "heads"),
        ("heads",),
        ("current",),
        ("history",),
        ("check",),
        ("revision", "-m", "next"),
        ("revision", "-m", "next", "--empty"),
        ("revision", "-m", "next", "--empty", "-b", ""),
        ("revision", "-m", "next", "--empty", "-b", "other"),
        ("merge",),
    ],
)
def test_revision_file_syntax_error(
    invoke: Invoke,
    snapshot: t.Callable[[], State],
    tmp_path: Path,
    args: tuple[str, ...],
) -> None:
    """A revision file that does not compile is reported with its name and
    line, and no command goes on without it.
    """
    _write_revision(tmp_path / "migrations", "r002", "r001", "def upgrade(:\n    pass")
    _assert_refused_unchanged(invoke, snapshot, args, "r002_by_hand.py")


_COMMANDS = [
    ("upgrade",),
    ("heads",),
    ("current",),
    ("revision", "-m", "first"),
    ("revision", "-m", "first", "--empty"),
]


@pytest.mark.parametrize("args", _COMMANDS)
def test_missing_script_location(
    app: Flask,
    init: t.Callable[..., Alembic],
    invoke: Invoke,
    snapshot: t.Callable[[], State],
    args: tuple[str, ...],
) -> None:
    """A script_location that does not exist is reported and not created."""
    app.config["ALEMBIC"] = {"script_location": "nowhere"}
    init(run_mkdir=False)
    _assert_refused_unchanged(
        invoke, snapshot, args, "/nowhere' does not exist. Create it with the 'mkdir'"
    )
    assert not os.path.exists(os.path.join(app.root_path, "nowhere"))


def _chmod_is_effective(path: Path) -> bool:
    """Whether a folder with mode 000 really cannot be listed: not so for
    root with its usual capabilities.
    """
    path.mkdir()
    path.chmod(0)

    try:
        os.listdir(path)
    except PermissionError:
        return True
    else:
        return False
    finally:
        path.chmod(0o755)
        path.rmdir()


#: Set in a test run again without the capabilities that let root read any
#: file, so that run does not start another.
_RERUN = "ENVKIT_TEST_WITHOUT_FILE_CAPABILITIES"


def _rerun_without_file_capabilities(request: pytest.FixtureRequest) -> None:
    """Run this test again in a new pytest without the capabilities that let
    root ignore file modes (CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH), as CI
    runs as root; the test passes if that run passes.
    """
    if os.environ.get(_RERUN):
        pytest.fail("mode 000 folders can still be listed without capabilities")

    setpriv = shutil.which("setpriv")

    if setpriv is None:
        pytest.fail("running as root, and setpriv is not installed to drop it")

    command = [setpriv, "--bounding-set=-dac_override,-dac_read_search", "--"]
    command += [sys.executable, "-m", "pytest", "-q", request.node.nodeid]
    result = subprocess.run(
        command,
        cwd=request.config.rootpath,
        env={**os.environ, _RERUN: "1"},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 passed" in result.stdout


@pytest.mark.parametrize("kind", ["mode 000", "regular file"])
@pytest.mark.parametrize("args", _COMMANDS)
def test_unreadable_script_location(
    app: Flask,
    init: t.Callable[..., Alembic],
    invoke: Invoke,
    snapshot: t.Callable[[], State],
    tmp_path: Path,
    request: pytest.FixtureRequest,
    kind: str,
    args: tuple[str, ...],
) -> None:
    """A script_location that cannot be listed (mode 000, or a regular file)
    is reported, not taken for an empty history.
    """
    path = tmp_path / "migrations"

    if kind == "mode 000":
        if not _chmod_is_effective(tmp_path / "probe"):
            _rerun_without_file_capabilities(request)
            return

        init()
        _ok(invoke("revision", "-m", "create user"))
        path.chmod(0)
        reason = "Permission denied"
    else:
        path.write_text("not a folder\n")
        init(run_mkdir=False)
        reason = "Not a directory"

    try:
        _assert_refused_unchanged(
            invoke,
            snapshot,
            args,
            f"Cannot read the migrations folder '{path}': {reason}.",
        )
    finally:
        if kind == "mode 000":
            path.chmod(0o755)


@pytest.mark.parametrize("args", [a for a in _COMMANDS if a != ("heads",)])
def test_metadata_without_engine(
    init: t.Callable[..., Alembic],
    invoke: Invoke,
    snapshot: t.Callable[[], State],
    metadata: sa.MetaData,
    engine: sa.Engine,
    args: tuple[str, ...],
) -> None:
    """A metadata name without an engine is refused, naming it, by every
    command that needs the databases.
    """
    auth = sa.MetaData()
    sa.Table("account", auth, sa.Column("id", sa.Integer, primary_key=True))
    init(metadatas={"default": metadata, "auth": auth}, engines={"default": engine})
    _assert_refused_unchanged(
        invoke, snapshot, args, "Missing engine config for 'auth'"
    )


@pytest.mark.usefixtures("history")
@pytest.mark.parametrize(
    "args",
    [
        ("revision", "-m", ""),
        ("revision", "-m", "  "),
        ("revision", ""),
        ("revision", "-m", "", "--empty"),
        ("migrate", "-m", ""),
        ("merge", "-m", " ", "r001"),
    ],
)
def test_empty_message(
    invoke: Invoke, snapshot: t.Callable[[], State], args: tuple[str, ...]
) -> None:
    """A message that was given but is blank is refused."""
    _assert_refused_unchanged(
        invoke, snapshot, args, "Error: The revision message is empty."
    )


@pytest.mark.usefixtures("history")
@pytest.mark.parametrize("path", ["outside", "../outside", "elsewhere", "/"])
def test_path_outside_version_locations(
    invoke: Invoke, snapshot: t.Callable[[], State], tmp_path: Path, path: str
) -> None:
    """A --path that is not a version location is refused and not created."""
    (tmp_path / "outside").mkdir()
    _assert_refused_unchanged(
        invoke,
        snapshot,
        ("revision", "-m", "next", "--empty", "--path", path),
        "is not one of the version locations",
    )
    assert not (tmp_path / "elsewhere").exists()


@pytest.mark.usefixtures("history")
@pytest.mark.parametrize("link", ["migrations/link", "link"])
def test_path_symlink_outside(
    invoke: Invoke, snapshot: t.Callable[[], State], tmp_path: Path, link: str
) -> None:
    """A --path through a symlink to a folder outside the version locations
    is refused, and nothing is written where it points.
    """
    (tmp_path / "outside").mkdir()
    (tmp_path / link).symlink_to(tmp_path / "outside", target_is_directory=True)
    _assert_refused_unchanged(
        invoke,
        snapshot,
        ("revision", "-m", "next", "--empty", "--path", link),
        "is not one of the version locations",
    )
    assert list((tmp_path / "outside").iterdir()) == []


@pytest.mark.usefixtures("history")
@pytest.mark.parametrize(
    "name", ["a/b", "../up", "a@b", "a:b", "..", "a b", "a\\b", "/abs", "x."]
)
def test_bad_branch_name(
    invoke: Invoke, snapshot: t.Callable[[], State], name: str
) -> None:
    """A branch name with a path separator, revision syntax or a space is
    refused before any folder is made for it.
    """
    _assert_refused_unchanged(
        invoke,
        snapshot,
        ("revision", "-m", "next", "--empty", "-b", name),
        f"Branch name {name!r} is not allowed",
    )


@pytest.mark.parametrize("args", [("upgrade",), ("downgrade",), *_COMMANDS[3:]])
def test_template_mismatch(
    init: t.Callable[..., Alembic],
    invoke: Invoke,
    snapshot: t.Callable[[], State],
    metadata: sa.MetaData,
    engine: sa.Engine,
    make_engine: t.Callable[..., sa.Engine],
    sqlite_url: t.Callable[[str], str],
    tmp_path: Path,
    args: tuple[str, ...],
) -> None:
    """The single-database template with two databases configured is
    refused, saying how to fix it.
    """
    (tmp_path / "migrations").mkdir()
    shutil.copy(template_source(multidb=False), tmp_path / "migrations")
    auth = sa.MetaData()
    sa.Table("account", auth, sa.Column("id", sa.Integer, primary_key=True))
    init(
        run_mkdir=False,
        metadatas={"default": metadata, "auth": auth},
        engines={"default": engine, "auth": make_engine(sqlite_url("auth"))},
    )
    _assert_refused_unchanged(
        invoke, snapshot, args, "is the single-database template, but 2 databases"
    )


def test_non_ascii_message(
    init: t.Callable[..., Alembic], invoke: Invoke, tmp_path: Path
) -> None:
    """A message outside ASCII is written to the revision's docstring and
    the revision runs.
    """
    init()
    message = "café ünïcode 日本"
    result = _ok(invoke("revision", "-m", message))
    (path,) = (tmp_path / "migrations").glob("r001_*.py")
    assert result.stdout == f"Generating {path} ... done\n"
    assert f'"""{message}' in path.read_text(encoding="utf-8")
    _ok(invoke("upgrade"))
    result = _ok(invoke("current"))
    assert result.stdout == f"<base> -> r001 (default) (head), {message}\n"
    result = _ok(invoke("history"))
    assert message in result.stdout


@pytest.mark.usefixtures("history")
@pytest.mark.parametrize(
    ("template", "text"),
    [
        ("<%\n if\n%>\n", "The revision template does not compile"),
        ("${no_such_name.attribute}\n", "Template rendering failed"),
    ],
    ids=["syntax", "render"],
)
@pytest.mark.parametrize(
    "args", [("revision", "-m", "next", "--empty"), ("merge", "-m", "m", "r001")]
)
def test_broken_template(
    invoke: Invoke,
    snapshot: t.Callable[[], State],
    tmp_path: Path,
    template: str,
    text: str,
    args: tuple[str, ...],
) -> None:
    """A script.py.mako that cannot be rendered is reported, and no revision
    file is left half written.
    """
    (tmp_path / "migrations" / "script.py.mako").write_text(template)
    _assert_refused_unchanged(invoke, snapshot, args, text)
