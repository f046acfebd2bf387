"""Where Flask-Alembic 3.x was wrong: named branches, several databases,
all-digit revision ids, config values, connections shared between threads,
adopting an unlabelled history, autogenerate with no changes, ``check``,
logging, and errors that end in a traceback.
"""

from __future__ import annotations

import itertools
import logging
import re
import shutil
import sys
import threading
import typing as t
from pathlib import Path

import alembic as alembic_package
import click
import pytest
import sqlalchemy as sa
from click.testing import CliRunner
from click.testing import Result
from flask import Flask
from flask import has_app_context
from flask.testing import FlaskCliRunner

from alembic_envkit import Revision
from flask_alembic import Alembic
from flask_alembic.cli import cli

Invoke: t.TypeAlias = t.Callable[..., Result]


@pytest.fixture
def auth_metadata() -> sa.MetaData:
    """Metadata with one ``account`` table, for the ``auth`` database."""
    metadata = sa.MetaData()
    sa.Table(
        "account",
        metadata,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(50)),
    )
    return metadata


@pytest.fixture
def multidb(
    app: Flask,
    metadata: sa.MetaData,
    auth_metadata: sa.MetaData,
    engine: sa.Engine,
    auth_engine: sa.Engine,
) -> Alembic:
    """The extension migrating two databases, ``default`` and ``auth``,
    whose new revisions take the ids r001, r002, ...
    """
    alembic = Alembic(
        app,
        metadatas={"default": metadata, "auth": auth_metadata},
        engines={"default": engine, "auth": auth_engine},
    )
    return _numbered(alembic)


@pytest.fixture
def invoke(runner: FlaskCliRunner) -> Invoke:
    """Run ``flask db ARGS`` without a pushed app context, on whichever
    extension the test registered.
    """

    def invoke(*args: str) -> Result:
        return runner.invoke(args=["db", *args])

    return invoke


@pytest.fixture
def migrations(app: Flask) -> Path:
    """The app's default migrations folder."""
    return Path(app.root_path) / "migrations"


@pytest.fixture
def ids(alembic: Alembic) -> Alembic:
    """Make the registered single-database extension's new revisions take the
    ids r001, r002, ... in order.
    """
    return _numbered(alembic)


def _numbered(alembic: Alembic, *ids: str) -> Alembic:
    """Make the extension's new revisions take the given ids in order, or
    r001, r002, ... when none are given.
    """
    made = iter(ids) if ids else (f"r{i:03d}" for i in itertools.count(1))
    alembic.rev_id = lambda: next(made)  # type: ignore[method-assign]
    return alembic


def _ok(result: Result) -> Result:
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output
    return result


def _errors(result: Result) -> list[str]:
    """The lines of stderr that report an error."""
    return [line for line in result.stderr.splitlines() if line.startswith("Error")]


def _files(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.glob("*.py"))


def _tables(engine: sa.Engine) -> set[str]:
    return set(sa.inspect(engine).get_table_names())


def _versions(engine: sa.Engine) -> set[str]:
    with engine.connect() as conn:
        result = conn.execute(sa.text("select version_num from alembic_version"))
        return {row[0] for row in result}


def _forget_versions(engine: sa.Engine) -> None:
    """Empty a database's version table, as if it had never been upgraded."""
    with engine.begin() as conn:
        conn.execute(sa.text("delete from alembic_version"))


def _write_revision(folder: Path, rev: str, down: str | None) -> Path:
    """Write an empty revision without branch labels, as Flask-Migrate or
    plain Alembic would have.
    """
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{rev}_by_hand.py"
    path.write_text(
        f'"""{rev} by hand"""\n'
        f"revision = {rev!r}\n"
        f"down_revision = {down!r}\n"
        "branch_labels = None\n"
        "depends_on = None\n\n\n"
        "def upgrade():\n    pass\n\n\n"
        "def downgrade():\n    pass\n"
    )
    return path


# Named branches


def test_named_branch_folder(
    app: Flask, metadata: sa.MetaData, engine: sa.Engine, invoke: Invoke
) -> None:
    """revision -b NAME writes to the folder configured for that branch and
    labels it, and no folder named with a trailing comma is created.
    """
    root = Path(app.root_path)
    app.config["ALEMBIC"] = {"version_locations": [("users", "users_folder")]}
    _numbered(Alembic(app, metadatas=metadata, engines=engine))
    assert (root / "users_folder").is_dir()
    _ok(invoke("revision", "main", "--empty"))
    _ok(invoke("revision", "-b", "users", "users one", "--empty"))
    _ok(invoke("revision", "-b", "users", "users two", "--empty"))
    folder = root / "users_folder"
    assert _files(folder) == ["r002_users_one.py", "r003_users_two.py"]
    assert (
        "branch_labels: Union[str, Sequence[str], None] = ('users',)"
        in (folder / "r002_users_one.py").read_text()
    )
    assert sorted(_ok(invoke("heads")).stdout.splitlines()) == [
        "<base> -> r001 (default) (head), main",
        "r002 -> r003 (users) (head), users two",
    ]
    _ok(invoke("upgrade", "users@head"))
    assert _versions(engine) == {"r003"}
    assert [p for p in root.rglob("*") if p.name.endswith(",")] == []


# Several databases, and names other than "default"


@pytest.mark.usefixtures("app_ctx")
def test_ops_bound_to_own_database(
    multidb: Alembic, engine: sa.Engine, auth_engine: sa.Engine
) -> None:
    """ops[name] runs operations on that database and no other."""
    for name in ("default", "auth"):
        multidb.ops[name].create_table(
            f"{name}_thing", sa.Column("id", sa.Integer, primary_key=True)
        )
        multidb.migration_contexts[name].connection.commit()  # type: ignore[union-attr]

    assert _tables(engine) == {"default_thing"}
    assert _tables(auth_engine) == {"auth_thing"}


def test_needs_upgrade_other_database(
    app: Flask, multidb: Alembic, auth_engine: sa.Engine, invoke: Invoke
) -> None:
    """needs_upgrade() and current --check-heads see a database other than
    "default" that is behind, and name it.
    """
    with app.app_context():
        (script,) = multidb.revision("init")
        assert script is not None
        multidb.upgrade()
        assert not multidb.needs_upgrade()

    _forget_versions(auth_engine)

    with app.app_context():
        assert multidb.needs_upgrade()
        assert [s.revision for s in multidb.current()] == [script.revision]

    result = invoke("current", "--check-heads")
    assert result.exit_code == 1
    assert result.stdout.splitlines() == [
        "Database is not on all head revisions",
        f"  auth: at <base>; heads are {script.revision}",
    ]


def test_current_by_database(
    app: Flask, multidb: Alembic, auth_engine: sa.Engine
) -> None:
    """current() is a tuple of revisions for the "default" database, and
    current_by_database() has a tuple for each database.
    """
    with app.app_context():
        (script,) = multidb.revision("init")
        assert script is not None
        multidb.upgrade()
        current = multidb.current()
        by_database = multidb.current_by_database()

    assert isinstance(current, tuple)
    assert all(isinstance(s, Revision) for s in current)
    assert [s.revision for s in current] == [script.revision]
    assert list(by_database) == ["default", "auth"]
    assert all(isinstance(v, tuple) for v in by_database.values())
    assert {k: [s.revision for s in v] for k, v in by_database.items()} == {
        "default": [script.revision],
        "auth": [script.revision],
    }
    _forget_versions(auth_engine)

    with app.app_context():
        assert multidb.current_by_database()["auth"] == ()
        assert [s.revision for s in multidb.current()] == [script.revision]


@pytest.mark.usefixtures("multidb")
def test_current_names_each_database(invoke: Invoke, auth_engine: sa.Engine) -> None:
    """current names each database when there are several, and says which
    has no revision.
    """
    _ok(invoke("revision", "init"))
    _ok(invoke("upgrade"))
    result = _ok(invoke("current"))
    assert result.stdout.splitlines() == [
        "default: <base> -> r001 (default) (head), init",
        "auth: <base> -> r001 (default) (head), init",
    ]
    _forget_versions(auth_engine)
    result = _ok(invoke("current"))
    assert result.stdout.splitlines() == [
        "default: <base> -> r001 (default) (head), init"
    ]
    assert "Database 'auth' has no revision applied." in result.stderr.splitlines()


def test_single_database_other_name(
    app: Flask, metadata: sa.MetaData, engine: sa.Engine, invoke: Invoke
) -> None:
    """One database need not be named "default"."""
    alembic = Alembic(app, metadatas={"main": metadata}, engines={"main": engine})
    _numbered(alembic)
    _ok(invoke("revision", "init"))
    assert (
        "op.create_table('user'"
        in (Path(app.root_path) / "migrations" / "r001_init.py").read_text()
    )
    _ok(invoke("upgrade"))
    assert _tables(engine) == {"alembic_version", "user"}
    assert _versions(engine) == {"r001"}
    result = _ok(invoke("current"))
    assert result.stdout == "<base> -> r001 (default) (head), init\n"

    with app.app_context():
        assert [s.revision for s in alembic.current()] == ["r001"]


def test_multidb_without_default(
    app: Flask,
    metadata: sa.MetaData,
    auth_metadata: sa.MetaData,
    engine: sa.Engine,
    auth_engine: sa.Engine,
    invoke: Invoke,
) -> None:
    """Several databases need no "default" among them."""
    alembic = Alembic(
        app,
        metadatas={"app": metadata, "auth": auth_metadata},
        engines={"app": engine, "auth": auth_engine},
    )
    _numbered(alembic)
    _ok(invoke("revision", "init"))
    text = (Path(app.root_path) / "migrations" / "r001_init.py").read_text()
    assert "def upgrade_app()" in text
    assert "def upgrade_auth()" in text
    _ok(invoke("upgrade"))
    assert _tables(engine) == {"alembic_version", "user"}
    assert _tables(auth_engine) == {"alembic_version", "account"}
    result = _ok(invoke("current"))
    assert result.stdout.splitlines() == [
        "app: <base> -> r001 (default) (head), init",
        "auth: <base> -> r001 (default) (head), init",
    ]

    with app.app_context():
        assert [s.revision for s in alembic.current()] == ["r001"]


# All-digit revision ids


#: An all-digit id that is the prefix of no other, ids that are, and one
#: whose first digit is a small count.
DIGIT_IDS = ("1", "12", "123", "2000")


def test_all_digit_ids_cli(alembic: Alembic, invoke: Invoke, engine: sa.Engine) -> None:
    """A target that is exactly an all-digit id is that revision; other
    digits are a number of steps, never the prefix of an id.
    """
    _numbered(alembic, *DIGIT_IDS)

    for rev in DIGIT_IDS:
        _ok(invoke("revision", f"rev {rev}", "--empty"))

    _ok(invoke("upgrade"))
    assert _versions(engine) == {"2000"}
    _ok(invoke("downgrade", "12"))
    assert _versions(engine) == {"12"}
    _ok(invoke("upgrade"))
    _ok(invoke("downgrade", "1"))
    assert _versions(engine) == {"1"}
    _ok(invoke("upgrade", "2"))
    assert _versions(engine) == {"123"}
    _ok(invoke("downgrade", "2"))
    assert _versions(engine) == {"1"}


def test_digit_steps_not_prefix_cli(
    alembic: Alembic, invoke: Invoke, engine: sa.Engine
) -> None:
    """A count that is the prefix of all-digit ids is a number of steps."""
    _numbered(alembic, "1000", "1001", "1002")

    for rev in ("1000", "1001", "1002"):
        _ok(invoke("revision", f"rev {rev}", "--empty"))

    _ok(invoke("upgrade", "1"))
    assert _versions(engine) == {"1000"}
    _ok(invoke("upgrade", "1001"))
    assert _versions(engine) == {"1001"}
    _ok(invoke("upgrade", "1"))
    assert _versions(engine) == {"1002"}
    _ok(invoke("downgrade", "1000"))
    assert _versions(engine) == {"1000"}
    _ok(invoke("downgrade", "1"))
    assert _versions(engine) == set()


@pytest.mark.usefixtures("app_ctx")
def test_all_digit_ids_api(alembic: Alembic, engine: sa.Engine) -> None:
    """The API tells all-digit ids from step counts the same way."""
    _numbered(alembic, *DIGIT_IDS)

    for _ in DIGIT_IDS:
        alembic.revision("rev", empty=True)

    alembic.upgrade("12")
    assert _versions(engine) == {"12"}
    alembic.upgrade("123")
    assert _versions(engine) == {"123"}
    alembic.upgrade()
    alembic.downgrade("1")
    assert _versions(engine) == {"1"}
    alembic.upgrade("2")
    assert _versions(engine) == {"123"}
    alembic.downgrade("2")
    assert _versions(engine) == {"1"}


@pytest.mark.usefixtures("app_ctx")
@pytest.mark.parametrize("step", [1, "1", "+1"], ids=["int", "str", "plus"])
def test_digit_steps_not_prefix_api(
    alembic: Alembic, engine: sa.Engine, step: int | str
) -> None:
    """The API takes a count that is the prefix of all-digit ids as a number
    of steps.
    """
    _numbered(alembic, "1000", "1001", "1002")

    for _ in range(3):
        alembic.revision("rev", empty=True)

    alembic.upgrade(step)
    assert _versions(engine) == {"1000"}
    alembic.upgrade("1001")
    assert _versions(engine) == {"1001"}
    alembic.upgrade(step)
    assert _versions(engine) == {"1002"}
    alembic.downgrade("1000")
    assert _versions(engine) == {"1000"}
    alembic.downgrade(step)
    assert _versions(engine) == set()


@pytest.mark.usefixtures("app_ctx")
def test_default_ids_unique_ordered(alembic: Alembic, migrations: Path) -> None:
    """Default ids made in a tight loop are unique, sort in creation order,
    and are never numbers.
    """
    made = []

    for i in range(20):
        (script,) = alembic.revision(f"rev {i}", empty=True)
        assert script is not None
        made.append(script.revision)

    assert len(set(made)) == 20
    assert sorted(made) == made
    assert len(_files(migrations)) == 20
    assert [s.revision for s in alembic.heads()] == [made[-1]]

    for rev in made:
        with pytest.raises(ValueError, match="invalid literal for int"):
            int(rev)


# Config values


@pytest.mark.usefixtures("ids")
def test_int_option(app: Flask, invoke: Invoke, migrations: Path) -> None:
    """An int option works: truncate_slug_length shortens the file name."""
    app.config["ALEMBIC"]["truncate_slug_length"] = 12
    _ok(invoke("revision", "hello world message", "--empty"))
    assert _files(migrations) == ["r001_hello_world_.py"]


@pytest.mark.usefixtures("alembic")
def test_bool_option(app: Flask, invoke: Invoke, migrations: Path) -> None:
    """A bool option works: recursive_version_locations decides whether
    revisions in sub-folders are found.
    """
    _write_revision(migrations / "sub", "r001", None)
    app.config["ALEMBIC"]["recursive_version_locations"] = True
    assert _ok(invoke("heads")).stdout == "<base> -> r001 (head), r001 by hand\n"
    app.config["ALEMBIC"]["recursive_version_locations"] = False
    assert _ok(invoke("heads")).stdout == ""


@pytest.mark.usefixtures("ids")
@pytest.mark.parametrize(
    "template",
    ["%(slug)s_%(rev)s", "%%(slug)s_%%(rev)s"],
    ids=["single", "doubled"],
)
def test_percent_file_template(
    app: Flask, invoke: Invoke, migrations: Path, template: str
) -> None:
    """file_template works with its tokens written with % or with %%."""
    app.config["ALEMBIC"]["file_template"] = template
    _ok(invoke("revision", "made", "--empty"))
    assert _files(migrations) == ["made_r001.py"]


@pytest.mark.usefixtures("ids")
@pytest.mark.parametrize(
    "mark", ["100%", "100%%", "a % b"], ids=["single", "doubled", "spaced"]
)
def test_percent_hook_option(
    app: Flask, invoke: Invoke, migrations: Path, tmp_path: Path, mark: str
) -> None:
    """A post-write hook option with a lone % or a doubled %% reaches the
    hook as one %.
    """
    hook = tmp_path / "hook.py"
    hook.write_text(
        "import sys\n"
        "with open(sys.argv[1], 'a') as f:\n"
        "    f.write('# ' + sys.argv[2] + '\\n')\n"
    )
    app.config["ALEMBIC"]["post_write_hooks"] = {
        "hooks": "mark",
        "mark.type": "exec",
        "mark.executable": sys.executable,
        "mark.options": f"{hook} REVISION_SCRIPT_FILENAME '{mark}'",
    }
    _ok(invoke("revision", "hooked", "--empty"))
    expected = mark.replace("%%", "%")
    assert (migrations / "r001_hooked.py").read_text().endswith(f"# {expected}\n")


@pytest.mark.usefixtures("ids")
def test_script_location_change_seen(
    app: Flask, invoke: Invoke, migrations: Path
) -> None:
    """A script_location changed after init_app is used by the next command."""
    _ok(invoke("revision", "one", "--empty"))
    app.config["ALEMBIC"]["script_location"] = "other"
    _ok(invoke("mkdir"))
    _ok(invoke("revision", "two", "--empty"))
    assert _files(Path(app.root_path) / "other") == ["r002_two.py"]
    assert _files(migrations) == ["r001_one.py"]
    assert _ok(invoke("heads")).stdout == "<base> -> r002 (default) (head), two\n"


# Connections


def test_threads_own_connections(app: Flask, alembic: Alembic) -> None:
    """Threads with their own app context get their own connection, and one
    context's teardown leaves the other's connection usable.
    """
    first_ready = threading.Event()
    second_done = threading.Event()
    seen: dict[str, t.Any] = {}

    def first() -> None:
        with app.app_context():
            connection = alembic.migration_context.connection
            assert connection is not None
            seen["first"] = connection
            first_ready.set()
            assert second_done.wait(120)
            seen["first closed"] = connection.closed
            seen["current"] = alembic.current()
            seen["select"] = connection.execute(sa.text("select 1")).scalar()

    def second() -> None:
        assert first_ready.wait(120)

        with app.app_context():
            seen["second"] = alembic.migration_context.connection

        second_done.set()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]

    for thread in threads:
        thread.start()

    for thread in threads:
        thread.join()

    assert seen["first"] is not seen["second"]
    assert seen["second"].closed
    assert seen["first closed"] is False
    assert seen["current"] == ()
    assert seen["select"] == 1
    assert seen["first"].closed


# Adopting an existing history


def test_unlabelled_history_continued(
    app: Flask, alembic: Alembic, invoke: Invoke, migrations: Path, engine: sa.Engine
) -> None:
    """A history without branch labels is continued by revision, and a named
    branch beside it still starts its own root.
    """
    _numbered(alembic, "c3", "d4", "u1")
    _write_revision(migrations, "a1", None)
    _write_revision(migrations, "b2", "a1")
    _ok(invoke("revision", "next", "--empty"))
    text = (migrations / "c3_next.py").read_text()
    assert "down_revision: Union[str, Sequence[str], None] = 'b2'" in text
    assert _ok(invoke("heads")).stdout == "b2 -> c3 (default) (head), next\n"
    _ok(invoke("revision", "after", "--empty"))
    assert _ok(invoke("heads")).stdout == "c3 -> d4 (default) (head), after\n"

    app.config["ALEMBIC"]["version_locations"] = [("users", "users_folder")]
    _ok(invoke("mkdir"))
    _ok(invoke("revision", "-b", "users", "users", "--empty"))
    assert _files(Path(app.root_path) / "users_folder") == ["u1_users.py"]
    assert sorted(_ok(invoke("heads")).stdout.splitlines()) == [
        "<base> -> u1 (users) (head), users",
        "c3 -> d4 (default) (head), after",
    ]
    _ok(invoke("upgrade"))
    assert _versions(engine) == {"d4", "u1"}


# Autogenerate and check


@pytest.mark.usefixtures("ids")
def test_revision_no_changes_writes_nothing(invoke: Invoke, migrations: Path) -> None:
    """revision writes no file when autogenerate finds nothing, unless
    --empty is given.
    """
    _ok(invoke("revision", "init"))
    _ok(invoke("upgrade"))
    result = _ok(invoke("revision", "x"))
    assert result.stdout == ""
    assert "No changes detected" in result.stderr
    assert _files(migrations) == ["r001_init.py"]
    result = _ok(invoke("revision", "x", "--empty"))
    (new,) = migrations.glob("*_x.py")
    assert result.stdout == f"Generating {new} ... done\n"
    assert len(_files(migrations)) == 2


def test_database_added_after_revisions(
    app: Flask,
    multidb: Alembic,
    metadata: sa.MetaData,
    auth_metadata: sa.MetaData,
    make_engine: t.Callable[..., sa.Engine],
    sqlite_url: t.Callable[[str], str],
) -> None:
    """A database added after revisions were written is brought up through
    them, though they have no functions for it.
    """
    with app.app_context():
        (script,) = multidb.revision("init")

    assert script is not None
    assert "def upgrade_extra" not in Path(script.path).read_text()
    extra_metadata = sa.MetaData()
    sa.Table("extra", extra_metadata, sa.Column("id", sa.Integer, primary_key=True))
    later = Flask(__name__, root_path=app.root_path)
    engines = {
        n: make_engine(sqlite_url(f"new_{n}")) for n in ("default", "auth", "extra")
    }
    Alembic(
        later,
        metadatas={"default": metadata, "auth": auth_metadata, "extra": extra_metadata},
        engines=engines,
    )
    result = _ok(later.test_cli_runner().invoke(args=["db", "upgrade"]))
    assert "has no upgrade_extra(); nothing to run on database 'extra'" in result.stderr
    assert _tables(engines["default"]) == {"alembic_version", "user"}
    assert _tables(engines["auth"]) == {"alembic_version", "account"}
    assert _tables(engines["extra"]) == {"alembic_version"}
    assert all(_versions(e) == {script.revision} for e in engines.values())


def test_compare_metadata_shapes(
    app: Flask,
    multidb: Alembic,
    metadata: sa.MetaData,
    auth_metadata: sa.MetaData,
    make_engine: t.Callable[..., sa.Engine],
    sqlite_url: t.Callable[[str], str],
) -> None:
    """compare_metadata() is a list of diffs for one database and a dict by
    name for several, and needs_revision() sees a change in a database other
    than "default".
    """
    single_app = Flask(__name__, root_path=str(Path(app.root_path) / "single"))
    single = Alembic(
        single_app, metadatas=metadata, engines=make_engine(sqlite_url("single"))
    )

    with single_app.app_context():
        diffs = single.compare_metadata()

    assert isinstance(diffs, list)
    assert [d[0] for d in diffs] == ["add_table"]

    with app.app_context():
        multidb.revision("init")
        multidb.upgrade()
        assert multidb.compare_metadata() == {"default": [], "auth": []}
        assert not multidb.needs_revision()

    auth_metadata.tables["account"].append_column(sa.Column("email", sa.String(100)))

    with app.app_context():
        by_name = multidb.compare_metadata()
        assert multidb.needs_revision()

    assert isinstance(by_name, dict)
    assert list(by_name) == ["default", "auth"]
    assert by_name["default"] == []
    assert [(d[0], d[2], d[3].name) for d in by_name["auth"]] == [
        ("add_column", "account", "email")
    ]


@pytest.mark.usefixtures("multidb")
def test_check_lists_differences(invoke: Invoke, auth_metadata: sa.MetaData) -> None:
    """check prints each difference below "Changes detected.", naming the
    database.
    """
    _ok(invoke("revision", "init"))
    _ok(invoke("upgrade"))
    assert _ok(invoke("check")).stdout == "No changes detected.\n"
    auth_metadata.tables["account"].append_column(sa.Column("email", sa.String(100)))
    result = invoke("check")
    assert result.exit_code == 1
    assert result.stdout.splitlines() == [
        "Changes detected.",
        "  auth: add_column account account.email",
    ]


@pytest.mark.usefixtures("ids")
def test_check_applies_revision_directives(app: Flask, invoke: Invoke) -> None:
    """check applies the process_revision_directives hook of ALEMBIC_CONTEXT,
    as a new revision would.
    """
    calls = []

    def drop_everything(context: t.Any, revision: t.Any, directives: t.Any) -> None:
        calls.append(revision)

        for script in directives:
            for ops in script.upgrade_ops_list:
                ops.ops.clear()

    result = invoke("check")
    assert result.exit_code == 1
    assert result.stdout.splitlines() == ["Changes detected.", "  add_table user"]
    app.config["ALEMBIC_CONTEXT"]["process_revision_directives"] = drop_everything
    result = _ok(invoke("check"))
    assert result.stdout == "No changes detected.\n"
    assert calls


@pytest.mark.usefixtures("ids")
def test_check_database_behind(invoke: Invoke, metadata: sa.MetaData) -> None:
    """check on a database behind head says so instead of reporting the
    models' changes.
    """
    _ok(invoke("revision", "init"))
    result = invoke("check")
    assert result.exit_code == 1
    assert result.stdout.splitlines() == [
        "Database is not on all head revisions",
        "  Run 'upgrade' on database 'default' before checking the models against it.",
    ]


@pytest.mark.usefixtures("alembic")
def test_current_unversioned(invoke: Invoke) -> None:
    """current on a database with no revision says so on stderr and
    succeeds.
    """
    result = _ok(invoke("current"))
    assert result.stdout == ""
    assert "Database 'default' has no revision applied." in result.stderr.splitlines()


@pytest.mark.usefixtures("alembic")
def test_show_needs_argument(invoke: Invoke) -> None:
    """show without a revision is a usage error."""
    result = invoke("show")
    assert result.exit_code == 2
    assert "Missing argument 'REVISIONS...'" in result.stderr


# Running the commands


@pytest.mark.usefixtures("ids")
def test_cli_without_app_context(invoke: Invoke, engine: sa.Engine) -> None:
    """The commands work under the test CLI runner with no app context
    pushed, and leave none pushed.
    """
    assert not has_app_context()
    _ok(invoke("revision", "init"))
    _ok(invoke("upgrade"))
    assert _ok(invoke("current")).stdout == "<base> -> r001 (default) (head), init\n"
    assert not has_app_context()
    assert _tables(engine) == {"alembic_version", "user"}


def test_cli_in_plain_click_group(
    app: Flask, metadata: sa.MetaData, engine: sa.Engine
) -> None:
    """The command group works inside a plain click group, in the app
    context the caller pushed.
    """
    _numbered(Alembic(app, command_name="", metadatas=metadata, engines=engine))

    @click.group()
    def group() -> None:
        """Project commands."""

    group.add_command(cli)
    runner = CliRunner()

    with app.app_context():
        _ok(runner.invoke(group, ["db", "revision", "init"]))
        _ok(runner.invoke(group, ["db", "upgrade"]))
        result = _ok(runner.invoke(group, ["db", "heads"]))

    assert result.stdout == "<base> -> r001 (default) (head), init\n"
    assert _versions(engine) == {"r001"}
    assert "db" not in app.cli.commands


@pytest.mark.parametrize("multi", [False, True], ids=["one", "several"])
def test_logging_only_in_cli(
    app: Flask,
    metadata: sa.MetaData,
    auth_metadata: sa.MetaData,
    engine: sa.Engine,
    auth_engine: sa.Engine,
    invoke: Invoke,
    multi: bool,
) -> None:
    """Creating the extension adds no logging handlers, while upgrade shows
    what runs on stderr, naming each database when there are several.
    """
    names = ("alembic", "sqlalchemy")
    before = {
        n: (list(logging.getLogger(n).handlers), logging.getLogger(n).level)
        for n in names
    }

    if multi:
        alembic = Alembic(
            metadatas={"default": metadata, "auth": auth_metadata},
            engines={"default": engine, "auth": auth_engine},
        )
    else:
        alembic = Alembic(metadatas=metadata, engines=engine)

    after = {
        n: (list(logging.getLogger(n).handlers), logging.getLogger(n).level)
        for n in names
    }
    assert after == before
    _numbered(alembic).init_app(app)
    _ok(invoke("revision", "init"))
    result = _ok(invoke("upgrade"))
    assert "Running upgrade  -> r001, init" in result.stderr
    database_lines = [line for line in result.stderr.splitlines() if "Database" in line]

    if multi:
        assert database_lines == [
            "INFO  [alembic_envkit] Database 'default'",
            "INFO  [alembic_envkit] Database 'auth'",
        ]
    else:
        assert database_lines == []


# Errors


def _two_revisions(invoke: Invoke) -> None:
    _ok(invoke("revision", "one", "--empty"))
    _ok(invoke("revision", "two", "--empty"))


def _unknown_revision(app: Flask, invoke: Invoke, **kw: t.Any) -> tuple[str, ...]:
    _numbered(Alembic(app, metadatas=kw["metadata"], engines=kw["engine"]))
    _two_revisions(invoke)
    return ("upgrade", "nope")


def _ambiguous_prefix(app: Flask, invoke: Invoke, **kw: t.Any) -> tuple[str, ...]:
    alembic = Alembic(app, metadatas=kw["metadata"], engines=kw["engine"])
    _numbered(alembic, "abc1", "abc2")
    _two_revisions(invoke)
    return ("upgrade", "abc")


def _two_heads(app: Flask, invoke: Invoke, **kw: t.Any) -> tuple[str, ...]:
    _numbered(Alembic(app, metadatas=kw["metadata"], engines=kw["engine"]))
    _two_revisions(invoke)
    _ok(invoke("revision", "three", "--empty", "-p", "r001", "--splice"))
    return ("upgrade", "head")


def _missing_engine(app: Flask, invoke: Invoke, **kw: t.Any) -> tuple[str, ...]:
    Alembic(
        app,
        metadatas={"default": kw["metadata"], "auth": kw["auth_metadata"]},
        engines=kw["engine"],
    )
    return ("upgrade",)


def _syntax_error(app: Flask, invoke: Invoke, **kw: t.Any) -> tuple[str, ...]:
    Alembic(app, metadatas=kw["metadata"], engines=kw["engine"])
    path = Path(app.root_path) / "migrations" / "r001_broken.py"
    path.write_text("revision = 'r001'\ndown_revision = None\n\ndef upgrade(:\n")
    return ("heads",)


def _template_mismatch(app: Flask, invoke: Invoke, **kw: t.Any) -> tuple[str, ...]:
    folder = Path(app.root_path) / "migrations"
    folder.mkdir()
    generic = Path(alembic_package.__file__).parent / "templates" / "generic"
    shutil.copy(generic / "script.py.mako", folder)
    Alembic(
        app,
        metadatas={"default": kw["metadata"], "auth": kw["auth_metadata"]},
        engines={"default": kw["engine"], "auth": kw["auth_engine"]},
    )
    return ("upgrade",)


@pytest.mark.parametrize(
    ("setup", "message"),
    [
        pytest.param(
            _unknown_revision,
            "Error: Can't locate revision identified by 'nope'",
            id="unknown",
        ),
        pytest.param(
            _ambiguous_prefix,
            "Error: Multiple revisions start with 'abc': 'abc1', 'abc2'",
            id="ambiguous",
        ),
        pytest.param(
            _two_heads,
            "Error: Multiple head revisions are present for given argument 'head'",
            id="two-heads",
        ),
        pytest.param(
            _missing_engine,
            "Error: Missing engine config for 'auth'",
            id="missing-engine",
        ),
        pytest.param(
            _syntax_error,
            "Error: Cannot read revision file .*r001_broken.py, line 4",
            id="syntax-error",
        ),
        pytest.param(
            _template_mismatch,
            "Error: .*script.py.mako is the single-database template, but 2"
            " databases are configured",
            id="template-mismatch",
        ),
    ],
)
def test_user_error_one_line(
    app: Flask,
    invoke: Invoke,
    metadata: sa.MetaData,
    auth_metadata: sa.MetaData,
    engine: sa.Engine,
    auth_engine: sa.Engine,
    setup: t.Callable[..., tuple[str, ...]],
    message: str,
) -> None:
    """A user error prints one "Error:" line, no traceback, and exits 1."""
    args = setup(
        app,
        invoke,
        metadata=metadata,
        auth_metadata=auth_metadata,
        engine=engine,
        auth_engine=auth_engine,
    )
    result = invoke(*args)
    assert result.exit_code == 1
    assert result.stdout == ""
    (line,) = _errors(result)
    assert re.match(message, line), line
    assert "Traceback" not in result.output
