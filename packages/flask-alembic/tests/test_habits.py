"""``flask db`` as Flask-Migrate and Alembic users type it: ``-m``, ``init``,
``migrate``, ``history``, ``--rev-id``, ``stamp --purge``, ``-x``, ``edit``,
``list-templates``, and revision files written for their ``env.py``.
"""

from __future__ import annotations

import shlex
import sys
import textwrap
import typing as t
from pathlib import Path

import pytest
import sqlalchemy as sa
from click.testing import Result
from flask import Flask
from flask.testing import FlaskCliRunner

from flask_alembic import Alembic

Invoke: t.TypeAlias = t.Callable[..., Result]


@pytest.fixture
def ids(alembic: Alembic) -> list[str]:
    """Make new revisions take the ids r001, r002, ... in order."""
    made: list[str] = []

    def rev_id() -> str:
        made.append(f"r{len(made) + 1:03d}")
        return made[-1]

    alembic.rev_id = rev_id  # type: ignore[method-assign]
    return made


@pytest.fixture
def invoke(runner: FlaskCliRunner, alembic: Alembic) -> Invoke:
    """Run ``flask db ARGS`` without a pushed app context."""

    def invoke(*args: str) -> Result:
        return runner.invoke(args=["db", *args])

    return invoke


@pytest.fixture
def migrations(app: Flask) -> Path:
    """The app's default migrations folder."""
    return Path(app.root_path) / "migrations"


def _ok(result: Result) -> Result:
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output
    return result


def _errors(result: Result) -> list[str]:
    """The lines of stderr that report an error."""
    return [line for line in result.stderr.splitlines() if line.startswith("Error")]


def _revision_files(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.glob("*.py"))


def _ids(text: str) -> list[str]:
    """The revision id of each ``parents -> id (labels), message`` line."""
    return [line.split(" -> ")[1].split(" ")[0] for line in text.splitlines()]


def _write_revision(
    folder: Path, rev: str, down: str | None, upgrade: str, imports: str = ""
) -> Path:
    """Write a revision file by hand, as plain Alembic or Flask-Migrate
    would have.
    """
    path = folder / f"{rev}_by_hand.py"
    body = textwrap.indent(textwrap.dedent(upgrade).strip(), "    ")
    path.write_text(
        f'"""by hand"""\n'
        f"from alembic import op\n"
        f"import sqlalchemy as sa\n"
        f"{imports}\n\n"
        f"revision = {rev!r}\n"
        f"down_revision = {down!r}\n"
        f"branch_labels = None\n"
        f"depends_on = None\n\n\n"
        f"def upgrade():\n{body}\n\n\n"
        f"def downgrade():\n    pass\n"
    )
    return path


@pytest.mark.usefixtures("ids")
@pytest.mark.parametrize(
    "args",
    [
        pytest.param(("-m", "add users"), id="-m"),
        pytest.param(("--message", "add users"), id="--message"),
        pytest.param(("add users",), id="positional"),
        pytest.param(("add users", "-m", "add users"), id="both-same"),
    ],
)
def test_revision_message(
    invoke: Invoke, migrations: Path, args: tuple[str, ...]
) -> None:
    """revision takes its message with -m, as an argument, or both when
    they agree.
    """
    result = _ok(invoke("revision", *args))
    path = migrations / "r001_add_users.py"
    assert result.stdout == f"Generating {path} ... done\n"
    assert path.read_text().startswith('"""add users')


def test_revision_two_messages_usage_error(invoke: Invoke, migrations: Path) -> None:
    """Two different messages are a usage error, and nothing is written."""
    result = invoke("revision", "one", "-m", "two")
    assert result.exit_code == 2
    assert "Give the message once" in result.stderr
    assert _revision_files(migrations) == []


@pytest.mark.usefixtures("ids")
def test_revision_without_message(invoke: Invoke, migrations: Path) -> None:
    """revision without a message writes "empty message", as Alembic does."""
    _ok(invoke("revision"))
    (name,) = _revision_files(migrations)
    text = (migrations / name).read_text()
    assert text.startswith('"""empty message')
    assert "op.create_table('user'" in text


@pytest.mark.parametrize(
    "args",
    [
        pytest.param(("-m", ""), id="-m"),
        pytest.param(("",), id="positional"),
        pytest.param(("-m", "   "), id="blank"),
        pytest.param(("--empty", "-m", ""), id="--empty"),
    ],
)
def test_revision_empty_message_refused(
    invoke: Invoke, migrations: Path, args: tuple[str, ...]
) -> None:
    """A message that was given but is empty is refused with one error line,
    and no file is written.
    """
    result = invoke("revision", *args)
    assert result.exit_code == 1
    assert _errors(result) == [
        "Error: The revision message is empty. Describe the change, or leave the"
        " message out."
    ]
    assert "Traceback" not in result.output
    assert _revision_files(migrations) == []


def test_init_creates_folder(
    app: Flask, metadata: sa.MetaData, engine: sa.Engine, migrations: Path
) -> None:
    """init creates the migrations folder and its template, as Flask-Migrate's
    init does.
    """
    Alembic(app, run_mkdir=False, metadatas=metadata, engines=engine)
    assert not migrations.exists()
    result = _ok(app.test_cli_runner().invoke(args=["db", "init"]))
    assert (migrations / "script.py.mako").is_file()
    assert result.stderr == f"Migrations folder: {migrations}\n"


@pytest.mark.usefixtures("ids")
@pytest.mark.parametrize(
    ("rev_range", "expected"),
    [
        ("base:head", ["r003", "r002", "r001"]),
        (":head", ["r003", "r002", "r001"]),
        (":", ["r003", "r002", "r001"]),
        ("r002:", ["r003", "r002"]),
        (":r002", ["r002", "r001"]),
        ("r002:r003", ["r003", "r002"]),
    ],
)
def test_history_range(invoke: Invoke, rev_range: str, expected: list[str]) -> None:
    """history -r START:END shows that range, newest first, as Alembic's
    history does.
    """
    for message in ("one", "two", "three"):
        _ok(invoke("revision", message, "--empty"))

    assert _ids(_ok(invoke("history", "-r", rev_range)).stdout) == expected
    assert _ids(_ok(invoke("history", "--rev-range", rev_range)).stdout) == expected


@pytest.mark.usefixtures("ids")
@pytest.mark.parametrize("flag", ["-i", "--indicate-current"])
def test_history_indicate_current(invoke: Invoke, flag: str) -> None:
    """history -i marks the revision the database is at with (current)."""
    for message in ("one", "two", "three"):
        _ok(invoke("revision", message, "--empty"))

    _ok(invoke("upgrade", "r002"))
    lines = _ok(invoke("history", flag)).stdout.splitlines()
    assert [line for line in lines if "(current)" in line] == [
        "r001 -> r002 (default) (current), two"
    ]
    assert len(lines) == 3
    plain = _ok(invoke("history")).stdout
    assert "(current)" not in plain


@pytest.mark.parametrize("rev_range", ["r001", "head"])
def test_history_bad_range(invoke: Invoke, rev_range: str) -> None:
    """A range without a colon is a usage error."""
    result = invoke("history", "-r", rev_range)
    assert result.exit_code == 2
    assert "Use START:END, START: or :END." in result.stderr


@pytest.mark.usefixtures("ids")
def test_migrate_autogenerates(invoke: Invoke, migrations: Path) -> None:
    """migrate -m writes an autogenerated revision, as Flask-Migrate does."""
    result = _ok(invoke("migrate", "-m", "create users"))
    path = migrations / "r001_create_users.py"
    assert result.stdout == f"Generating {path} ... done\n"
    assert "op.create_table('user'" in path.read_text()


def test_migrate_without_message(invoke: Invoke, migrations: Path) -> None:
    """migrate without a message writes "empty message"."""
    _ok(invoke("migrate"))
    (name,) = _revision_files(migrations)
    text = (migrations / name).read_text()
    assert text.startswith('"""empty message')
    assert "op.create_table('user'" in text


@pytest.mark.usefixtures("ids")
def test_migrate_nothing_changed(invoke: Invoke, migrations: Path) -> None:
    """migrate when the models match the database writes nothing, says so on
    stderr and succeeds.
    """
    _ok(invoke("migrate", "-m", "init"))
    _ok(invoke("upgrade"))
    result = _ok(invoke("migrate", "-m", "again"))
    assert result.stdout == ""
    assert "No changes detected" in result.stderr
    assert _revision_files(migrations) == ["r001_init.py"]


@pytest.mark.parametrize(
    "command",
    [
        pytest.param(("revision", "--empty", "-m", "made"), id="revision"),
        pytest.param(("migrate", "-m", "made"), id="migrate"),
    ],
)
def test_rev_id(invoke: Invoke, migrations: Path, command: tuple[str, ...]) -> None:
    """--rev-id gives the new revision and its file that id."""
    result = _ok(invoke(*command, "--rev-id", "myid"))
    path = migrations / "myid_made.py"
    assert result.stdout == f"Generating {path} ... done\n"
    assert "revision: str = 'myid'" in path.read_text()
    assert _ok(invoke("heads")).stdout == "<base> -> myid (default) (head), made\n"


@pytest.mark.usefixtures("ids")
def test_merge_rev_id(invoke: Invoke, migrations: Path) -> None:
    """merge --rev-id gives the merge revision that id."""
    _ok(invoke("revision", "root", "--empty"))
    _ok(invoke("revision", "left", "--empty"))
    _ok(invoke("revision", "right", "--empty", "-p", "r001", "--splice"))
    _ok(invoke("merge", "-m", "join", "--rev-id", "myid"))
    assert "myid_join.py" in _revision_files(migrations)
    assert _ok(invoke("heads")).stdout == (
        "r002, r003 -> myid (default) (head) (mergepoint), join\n"
    )


@pytest.mark.usefixtures("ids")
@pytest.mark.parametrize(
    "command",
    [
        pytest.param(("revision", "again", "--empty"), id="revision"),
        pytest.param(("migrate", "-m", "again"), id="migrate"),
        pytest.param(("merge", "-m", "again"), id="merge"),
    ],
)
def test_rev_id_existing_refused(
    invoke: Invoke, migrations: Path, command: tuple[str, ...]
) -> None:
    """--rev-id with an id that exists is refused and writes nothing."""
    _ok(invoke("revision", "root", "--empty"))
    _ok(invoke("revision", "left", "--empty"))
    _ok(invoke("revision", "right", "--empty", "-p", "r001", "--splice"))
    result = invoke(*command, "--rev-id", "r002")
    assert result.exit_code == 1
    assert _errors(result) == ["Error: A revision with id 'r002' already exists."]
    assert _revision_files(migrations) == [
        "r001_root.py",
        "r002_left.py",
        "r003_right.py",
    ]


@pytest.mark.usefixtures("ids")
def test_stamp_purge(
    invoke: Invoke, engine: sa.Engine, versions: t.Callable[[], set[str]]
) -> None:
    """stamp --purge empties a version table naming an unknown revision, then
    stamps; plain stamp refuses that table.
    """
    _ok(invoke("revision", "one", "--empty"))
    _ok(invoke("revision", "two", "--empty"))
    _ok(invoke("upgrade", "r001"))

    with engine.begin() as conn:
        conn.execute(sa.text("insert into alembic_version values ('gone')"))

    result = invoke("stamp")
    assert result.exit_code == 1
    assert _errors(result) == ["Error: Can't locate revision identified by 'gone'"]
    assert "Traceback" not in result.output
    assert versions() == {"r001", "gone"}
    _ok(invoke("stamp", "--purge", "head"))
    assert versions() == {"r002"}


@pytest.mark.parametrize(
    "args",
    [
        pytest.param(("-x", "k=from x", "upgrade"), id="group-x"),
        pytest.param(("--x-arg", "k=from x", "upgrade"), id="group-x-arg"),
        pytest.param(("upgrade", "-x", "k=from x"), id="command-x"),
        pytest.param(("upgrade", "--x-arg", "k=from x"), id="command-x-arg"),
    ],
)
def test_x_argument(
    invoke: Invoke, migrations: Path, engine: sa.Engine, args: tuple[str, ...]
) -> None:
    """-x key=value, before or after the command, is readable in a revision
    through context.get_x_argument().
    """
    _write_revision(
        migrations,
        "r001",
        None,
        """
        value = context.get_x_argument(as_dictionary=True)["k"]
        table = op.create_table("x_arg", sa.Column("value", sa.String(50)))
        op.execute(table.insert().values(value=value))
        """,
        imports="from alembic import context",
    )
    _ok(invoke(*args))

    with engine.connect() as conn:
        assert conn.execute(sa.text("select value from x_arg")).all() == [("from x",)]


def test_revision_file_uses_alembic_context(
    invoke: Invoke, migrations: Path, engine: sa.Engine
) -> None:
    """A revision written for Flask-Migrate or plain Alembic, using
    context.config, context.is_offline_mode() and context.get_context(),
    runs unchanged.
    """
    _write_revision(
        migrations,
        "r001",
        None,
        """
        if context.is_offline_mode():
            raise RuntimeError("offline")
        location = context.config.get_main_option("script_location")
        dialect = context.get_context().dialect.name
        table = op.create_table(
            "seen", sa.Column("location", sa.Text), sa.Column("dialect", sa.Text)
        )
        op.execute(table.insert().values(location=location, dialect=dialect))
        """,
        imports="from alembic import context",
    )
    _ok(invoke("upgrade"))

    with engine.connect() as conn:
        rows = conn.execute(sa.text("select location, dialect from seen")).all()

    assert rows == [(str(migrations), "sqlite")]


@pytest.fixture
def editor(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Make $EDITOR a script that appends a marker line to its argument."""
    script = tmp_path / "editor.py"
    script.write_text(
        "import sys\nwith open(sys.argv[1], 'a') as f:\n    f.write('# edited\\n')\n"
    )
    monkeypatch.delenv("VISUAL", raising=False)
    monkeypatch.setenv(
        "EDITOR", f"{shlex.quote(sys.executable)} {shlex.quote(str(script))}"
    )


@pytest.mark.usefixtures("ids", "editor")
@pytest.mark.parametrize(
    ("args", "edited"),
    [((), "r002_two.py"), (("head",), "r002_two.py"), (("r001",), "r001_one.py")],
)
def test_edit(
    invoke: Invoke, migrations: Path, args: tuple[str, ...], edited: str
) -> None:
    """edit opens a revision file, by default the head, in $EDITOR."""
    _ok(invoke("revision", "one", "--empty"))
    _ok(invoke("revision", "two", "--empty"))
    _ok(invoke("edit", *args))

    for name in _revision_files(migrations):
        marked = (migrations / name).read_text().endswith("# edited\n")
        assert marked is (name == edited)


def test_list_templates(invoke: Invoke) -> None:
    """list-templates lists Alembic's templates with their descriptions."""
    lines = _ok(invoke("list-templates")).stdout.splitlines()
    names = [line.split(" - ")[0] for line in lines]
    assert {"generic", "multidb"} <= set(names)
    assert all(" - " in line for line in lines)


@pytest.mark.usefixtures("ids")
def test_show_current(invoke: Invoke, migrations: Path) -> None:
    """show current shows the revision the database is at."""
    _ok(invoke("revision", "one", "--empty"))
    _ok(invoke("revision", "two", "--empty"))
    _ok(invoke("upgrade", "r001"))
    lines = _ok(invoke("show", "current")).stdout.splitlines()
    assert lines[0] == "Rev: r001"
    assert f"Path: {migrations / 'r001_one.py'}" in lines


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        pytest.param(("first",), 0, id="id"),
        pytest.param(("1",), 1, id="1"),
        pytest.param(("2",), 0, id="2"),
        pytest.param(("--", "-1"), 1, id="-1"),
        pytest.param((), 1, id="default"),
    ],
)
def test_downgrade_id_or_steps(
    invoke: Invoke,
    migrations: Path,
    versions: t.Callable[[], set[str]],
    args: tuple[str, ...],
    expected: int,
) -> None:
    """downgrade takes a revision id or a number of steps, with the default
    revision ids.
    """
    for message in ("one", "two", "three"):
        _ok(invoke("revision", message, "--empty"))

    made = [name.split("_")[0] for name in _revision_files(migrations)]
    assert len(set(made)) == 3
    _ok(invoke("upgrade"))
    target = [made[0] if arg == "first" else arg for arg in args]
    _ok(invoke("downgrade", *target))
    assert versions() == {made[expected]}
