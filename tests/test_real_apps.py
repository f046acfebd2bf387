"""Patterns of real Flask apps that switch from Flask-Alembic 3.x or
Flask-Migrate without a change, each written as the app writes it: 3.x's
command objects added to a group of the app's own, a subclass of 3.x's
``Alembic``, a package app whose Flask-Migrate folder sits beside the
package, binds left out, and configuration errors that must not break the
app's import.
"""

from __future__ import annotations

import os
import subprocess
import textwrap
import typing as t
from pathlib import Path

import click
import pytest
import sqlalchemy as sa
from alembic.config import Config
from click.testing import CliRunner
from flask import current_app
from flask import Flask
from flask.cli import FlaskGroup
from flask.cli import with_appcontext

import flask_alembic.cli as alembic_cli
from flask_alembic import Alembic

Run: t.TypeAlias = t.Callable[..., subprocess.CompletedProcess[str]]

#: The 3.x command objects FlaskBB adds to its own ``db`` group.
COMMANDS_3X = [
    "mkdir",
    "current",
    "heads",
    "branches",
    "log",
    "show",
    "check",
    "stamp",
    "upgrade",
    "downgrade",
    "revision",
    "merge",
]


def _forum_cli(
    app: Flask, commands: t.Sequence[click.Command], *, set_obj: bool
) -> click.Group:
    """A ``flaskbb``-style command line: its own ``db`` group, with the
    extension put in ``ctx.obj`` or not, holding the given commands.
    """

    @click.group(cls=FlaskGroup, create_app=lambda: app, add_default_commands=False)
    def forum() -> None:
        """The app's own command line."""

    @forum.group()
    @with_appcontext
    @click.pass_context
    def db(ctx: click.Context) -> None:
        """The app's own migration group."""
        if set_obj:
            ctx.obj = current_app.extensions["alembic"]

    for command in commands:
        db.add_command(command)

    return forum


@pytest.fixture
def forum_app(
    tmp_path: Path, metadata: sa.MetaData, engine: sa.Engine
) -> tuple[Flask, Alembic]:
    """An app registered as FlaskBB does: no command group of the
    extension's own, no folder made at start-up.
    """
    app = Flask(__name__, root_path=str(tmp_path))
    alembic = Alembic(
        command_name="", run_mkdir=False, metadatas=metadata, engines=engine
    )
    alembic.init_app(app)
    return app, alembic


def test_command_objects_of_3x() -> None:
    """flask_alembic.cli exports cli and each command object 3.x had."""
    assert isinstance(alembic_cli.cli, click.Group)

    for name in COMMANDS_3X:
        command = getattr(alembic_cli, name)
        assert isinstance(command, click.Command)
        assert command.name == name

    assert "migrate" not in alembic_cli.__all__
    assert "migrate" in alembic_cli.cli.commands


@pytest.mark.parametrize("set_obj", [True, False], ids=["ctx.obj", "no-obj"])
def test_flaskbb_db_group(
    forum_app: tuple[Flask, Alembic],
    tmp_path: Path,
    versions: t.Callable[[str], set[str]],
    tables: t.Callable[[str], set[str]],
    set_obj: bool,
) -> None:
    """3.x's command objects in an app's own db group run, with ctx.obj set
    to the extension or not set.
    """
    app, _ = forum_app
    commands = [getattr(alembic_cli, name) for name in COMMANDS_3X]
    forum = _forum_cli(app, commands, set_obj=set_obj)
    runner = CliRunner()

    def invoke(*args: str) -> str:
        result = runner.invoke(forum, ["db", *args], catch_exceptions=False)
        assert result.exit_code == 0, result.output
        return result.stdout

    invoke("mkdir")
    assert (tmp_path / "migrations" / "script.py.mako").is_file()
    invoke("revision", "create user", "--rev-id", "r1")
    assert "-> r1 (default) (head)" in invoke("heads")
    invoke("upgrade")
    assert versions("default") == {"r1"}
    assert "user" in tables("default")
    assert "r1 (default) (head)" in invoke("current")
    assert "No changes detected." in invoke("check")
    assert "r1" in invoke("log")
    assert "r1" in invoke("show", "r1")
    invoke("branches")
    invoke("downgrade")
    assert versions("default") == set()
    invoke("stamp", "r1")
    assert versions("default") == {"r1"}
    invoke("revision", "other", "--empty", "--rev-id", "r2", "--parent", "base")
    invoke("merge", "heads", "-m", "join", "--rev-id", "r3")
    assert invoke("heads") == "r1, r2 -> r3 (default) (head) (mergepoint), join\n"


def test_commands_taken_from_the_group(
    forum_app: tuple[Flask, Alembic], versions: t.Callable[[str], set[str]]
) -> None:
    """Commands taken from flask_alembic.cli.cli work in another group."""
    app, alembic = forum_app
    commands = [alembic_cli.cli.commands[n] for n in ("mkdir", "revision", "upgrade")]
    forum = _forum_cli(app, commands, set_obj=False)
    runner = CliRunner()

    for args in (["mkdir"], ["revision", "one", "--rev-id", "r1"], ["upgrade"]):
        result = runner.invoke(forum, ["db", *args])
        assert result.exit_code == 0, result.output

    assert versions("default") == {"r1"}


def test_error_in_another_group_is_one_line(forum_app: tuple[Flask, Alembic]) -> None:
    """A command in another group reports errors as one line, exit 1."""
    app, _ = forum_app
    forum = _forum_cli(app, [alembic_cli.upgrade], set_obj=True)
    result = CliRunner().invoke(forum, ["db", "upgrade", "nope"])
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        "Error: The migrations folder"
        f" '{app.root_path}{os.sep}migrations' does not exist. Create it with"
        " the 'mkdir' command or check the 'script_location' setting."
    ]


class ForumAlembic(Alembic):
    """A 3.x-style subclass: overrides ``config`` and caches its own Config
    on ``_get_cache()``, as FlaskBB does.
    """

    built = 0

    @property
    def config(self) -> Config:
        cache = self._get_cache()

        if cache.config is not None:
            return cache.config

        ForumAlembic.built += 1
        cache.config = c = Config()
        location = current_app.config["ALEMBIC"]["script_location"]
        c.set_main_option(
            "script_location", os.path.join(current_app.root_path, location)
        )
        c.set_main_option("made_by", "forum")
        return c


def test_subclass_overriding_config(
    tmp_path: Path,
    metadata: sa.MetaData,
    engine: sa.Engine,
    versions: t.Callable[[str], set[str]],
) -> None:
    """A subclass's config and _get_cache() work; commands use ALEMBIC."""
    app = Flask(__name__, root_path=str(tmp_path))
    alembic = ForumAlembic(metadatas=metadata, engines=engine)
    alembic.init_app(app)

    with app.app_context():
        config = alembic.config
        assert config.get_main_option("made_by") == "forum"
        assert alembic.config is config
        assert ForumAlembic.built == 1
        cache = alembic._get_cache()
        assert cache.config is config
        assert cache.script is None

    # The commands and methods build their Config from ALEMBIC, not from
    # the overridden property (see docs/migrating.md).
    with app.app_context():
        alembic.revision("one", empty=True)
        alembic.upgrade()
        (head,) = alembic.heads()
        assert versions("default") == {head.revision}
        assert alembic.environment.config.get_main_option("made_by") is None


def test_get_cache_unregistered_app(tmp_path: Path) -> None:
    """_get_cache() on an app the extension is not registered on says so."""
    alembic = Alembic()

    with Flask(__name__, root_path=str(tmp_path)).app_context():
        with pytest.raises(RuntimeError, match="not registered with this 'Alembic'"):
            alembic._get_cache()


PACKAGE_INIT = """
import os

from flask import Flask
from flask_alembic import Alembic
from flask_sqlalchemy import SQLAlchemy

basedir = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
db = SQLAlchemy()
alembic = Alembic()


def create_app():
    app = Flask(__name__)
    app.config["SQLALCHEMY_DATABASE_URI"] = "sqlite:///" + os.path.join(
        basedir, "app.db"
    )
    db.init_app(app)
    alembic.init_app(app)
    from app import models  # noqa: F401
    return app
"""

PACKAGE_MODELS = """
import sqlalchemy as sa

from app import db


class User(db.Model):
    id = sa.Column(sa.Integer, primary_key=True)
    name = sa.Column(sa.String(50))
"""

FLASK_MIGRATE_REVISION = '''
"""create user

Revision ID: 834b1a697901
Revises:
Create Date: 2017-09-17 12:00:00

"""
from alembic import op
import sqlalchemy as sa

revision = "834b1a697901"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "user",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=50), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )


def downgrade():
    op.drop_table("user")
'''


@pytest.fixture
def package_project(project: Path) -> Path:
    """A package app as Flask-Migrate apps lay it out: ``app/`` with the
    factory and models, ``migrations/`` (env.py, versions/) beside it.
    """
    for name in ("app.py", "models.py"):
        (project / name).unlink()

    (project / "app").mkdir()
    (project / "app" / "__init__.py").write_text(textwrap.dedent(PACKAGE_INIT))
    (project / "app" / "models.py").write_text(textwrap.dedent(PACKAGE_MODELS))
    versions = project / "migrations" / "versions"
    versions.mkdir(parents=True)
    (project / "migrations" / "env.py").write_text("raise SystemExit('imported')\n")
    (versions / "834b1a697901_create_user.py").write_text(FLASK_MIGRATE_REVISION)
    return project


@pytest.mark.parametrize("command", ["upgrade", "current", "heads"])
def test_flask_migrate_folder_beside_package(
    package_project: Path, flask_cli: Run, command: str
) -> None:
    """A package app's Flask-Migrate folder is named, never replaced by an
    empty one under the package.
    """
    result = flask_cli("db", command)
    assert result.returncode == 1, result.stderr
    found = package_project / "migrations"
    assert result.stderr.splitlines() == [
        f"Error: The 'script_location' folder {package_project / 'app' / 'migrations'}"
        f" does not exist, but a Flask-Migrate folder does: {found}. Set"
        " app.config['ALEMBIC']['script_location'] = '../migrations' (relative"
        " to app.root_path) or its absolute path."
    ]
    assert not (package_project / "app" / "migrations").exists()
    assert not (package_project / "app.db").exists()


def test_flask_migrate_folder_in_working_directory(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    metadata: sa.MetaData,
    engine: sa.Engine,
) -> None:
    """A Flask-Migrate folder in the working directory is named, and
    init_app makes no empty folder in its place.
    """
    found = tmp_path / "work" / "migrations"
    (found / "versions").mkdir(parents=True)
    (found / "env.py").write_text("")
    monkeypatch.chdir(tmp_path / "work")
    root = tmp_path / "src" / "forum"
    app = Flask(__name__, root_path=str(root))
    Alembic(app, metadatas=metadata, engines=engine)
    assert not root.exists()
    result = app.test_cli_runner().invoke(args=["db", "upgrade"])
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        f"Error: The 'script_location' folder {root / 'migrations'} does not"
        f" exist, but a Flask-Migrate folder does: {found}. Set"
        " app.config['ALEMBIC']['script_location'] ="
        f" {os.path.join('..', '..', 'work', 'migrations')!r} (relative to"
        " app.root_path) or its absolute path."
    ]
    assert not root.exists()
    assert sa.inspect(engine).get_table_names() == []


def test_flask_migrate_folder_once_configured(
    package_project: Path, flask_cli: Run, make_engine: t.Callable[..., sa.Engine]
) -> None:
    """With script_location set as the docs say, the package app upgrades."""
    init = package_project / "app" / "__init__.py"
    init.write_text(
        init.read_text().replace(
            "    db.init_app(app)\n",
            '    app.config["ALEMBIC"] = {\n'
            '        "script_location": os.path.join(basedir, "migrations")\n'
            "    }\n"
            "    db.init_app(app)\n",
        )
    )
    result = flask_cli("db", "upgrade")
    assert result.returncode == 0, result.stderr
    engine = make_engine(f"sqlite:///{package_project / 'app.db'}")

    with engine.connect() as conn:
        rows = conn.execute(sa.text("select version_num from alembic_version"))
        assert [r[0] for r in rows] == ["834b1a697901"]

    assert "user" in sa.inspect(engine).get_table_names()


def test_unknown_database_revision_names_folders(
    tmp_path: Path,
    metadata: sa.MetaData,
    engine: sa.Engine,
) -> None:
    """A database revision no folder has names the folders searched and
    script_location before stamp.
    """
    with engine.begin() as conn:
        conn.execute(sa.text("create table alembic_version (version_num varchar(32))"))
        conn.execute(sa.text("insert into alembic_version values ('834b1a697901')"))

    app = Flask(__name__, root_path=str(tmp_path))
    Alembic(app, metadatas=metadata, engines=engine)
    result = app.test_cli_runner().invoke(args=["db", "current"])
    assert result.exit_code == 1
    (line,) = result.stderr.splitlines()
    folder = str(tmp_path / "migrations")
    assert line.startswith(
        "Error: Can't locate revision identified by '834b1a697901': database"
        f" 'default' is at a revision that none of the folders searched ({folder})"
        " has. Check that 'script_location'"
    )
    assert line.index("script_location") < line.index("stamp")


BINDS_APP = """
import os

import sqlalchemy as sa
from flask import Flask
from flask_alembic import Alembic
from flask_sqlalchemy import SQLAlchemy

db = SQLAlchemy()


class User(db.Model):
    id = sa.Column(sa.Integer, primary_key=True)


class Event(db.Model):
    __bind_key__ = "logs"
    id = sa.Column(sa.Integer, primary_key=True)


alembic = Alembic({alembic_args})


def create_app():
    app = Flask(__name__)
    app.config["SQLALCHEMY_DATABASE_URI"] = "sqlite:///" + os.path.join(
        app.root_path, "app.sqlite"
    )
    app.config["SQLALCHEMY_BINDS"] = {{
        "logs": "sqlite:///" + os.path.join(app.root_path, "logs.sqlite"),
        "empty": "sqlite:///" + os.path.join(app.root_path, "empty.sqlite"),
    }}
    db.init_app(app)
    alembic.init_app(app)
    return app
"""

BINDS_WARNING = (
    "Warning: the tables of Flask-SQLAlchemy bind(s) 'logs' are not migrated;"
    " to migrate them, pass metadatas={'default': db.metadata, 'logs':"
    " db.metadatas['logs']} to Alembic()."
)


def test_binds_left_out_warn(project: Path, flask_cli: Run) -> None:
    """A Flask-SQLAlchemy bind with tables no database migrates is named at
    each writing command, with the metadatas= to pass.
    """
    (project / "models.py").unlink()
    (project / "app.py").write_text(BINDS_APP.format(alembic_args=""))

    for args in (["revision", "first", "--rev-id", "r1"], ["upgrade"], ["stamp", "r1"]):
        result = flask_cli("db", *args)
        assert result.returncode == 0, result.stderr
        assert result.stderr.splitlines()[0] == BINDS_WARNING

    result = flask_cli("db", "current")
    assert BINDS_WARNING not in result.stderr
    assert result.returncode == 0


def test_binds_passed_do_not_warn(project: Path, flask_cli: Run) -> None:
    """Once the bind's metadata is passed, no warning."""
    (project / "models.py").unlink()
    args = 'metadatas={"default": db.metadata, "logs": db.metadatas["logs"]}'
    (project / "app.py").write_text(BINDS_APP.format(alembic_args=args))
    assert flask_cli("db", "mkdir").returncode == 0
    result = flask_cli("db", "revision", "first", "--rev-id", "r1")
    assert result.returncode == 0, result.stderr
    assert "Warning" not in result.stderr
    result = flask_cli("db", "upgrade")
    assert result.returncode == 0, result.stderr
    assert "Warning" not in result.stderr


BAD_CONFIG_APP = """
import os

import sqlalchemy as sa
from flask import Flask
from flask_alembic import Alembic

metadata = sa.MetaData()
app = Flask(__name__)
app.config["ALEMBIC"] = {alembic!r}
Alembic(
    app,
    metadatas=metadata,
    engines=sa.create_engine(
        "sqlite:///" + os.path.join(app.root_path, "app.sqlite")
    ),
)
"""


@pytest.mark.parametrize(
    ("alembic", "message"),
    [
        (
            {"script_location": "nonexistent_pkg:migrations"},
            "Error: The 'script_location' setting 'nonexistent_pkg:migrations'"
            " names the package 'nonexistent_pkg', which cannot be imported (No"
            " module named 'nonexistent_pkg'). Install that package, or give a"
            " folder path instead of 'package:path'.",
        ),
        (
            {"version_locations": ["nonexistent_pkg:versions"]},
            "Error: The 'version_locations' setting 'nonexistent_pkg:versions'"
            " names the package 'nonexistent_pkg', which cannot be imported (No"
            " module named 'nonexistent_pkg'). Install that package, or give a"
            " folder path instead of 'package:path'.",
        ),
        (
            {"version_locations": [("a", "b", "c")]},
            "Error: Each 'version_locations' item must be a path or a"
            " (branch_name, path) pair, not ('a', 'b', 'c').",
        ),
        (
            {"version_locations": [("bad name", "plugin")]},
            "Error: Branch name 'bad name' is not allowed; use only letters,"
            " digits, '_' and '-'.",
        ),
    ],
    ids=["script_location", "version_locations-package", "item", "branch"],
)
def test_bad_config_at_first_command(
    project: Path, flask_cli: Run, alembic: dict[str, t.Any], message: str
) -> None:
    """A bad ALEMBIC setting does not break the app's import: the first
    flask db command says it in one line and exits 1, changing nothing.
    """
    (project / "models.py").unlink()
    (project / "app.py").write_text(BAD_CONFIG_APP.format(alembic=alembic))
    result = flask_cli("db", "current")
    assert result.returncode == 1
    assert result.stderr.splitlines() == [message]
    result = flask_cli("routes")
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in project.iterdir()) == ["app.py"]
