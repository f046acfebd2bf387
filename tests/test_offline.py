"""Offline SQL scripts (``--sql``): the Python API returns the SQL, and the
``upgrade``, ``downgrade`` and ``stamp`` commands print it, without
connecting to any database.
"""

from __future__ import annotations

import os
import re
import subprocess
import textwrap
import typing as t
from pathlib import Path

import pytest
import sqlalchemy as sa
from click.testing import Result
from flask import Flask
from packaging.version import Version

from alembic_envkit import ConfigurationError
from alembic_envkit import Environment
from alembic_envkit import RevisionError
from alembic_envkit import Settings
from alembic_envkit import Targets
from flask_alembic import Alembic

#: Nothing listens on port 1: connecting fails at once.
DOWN_URL = "postgresql+psycopg://postgres@127.0.0.1:1/test"


EMAIL = """
def upgrade():
    op.add_column("user", sa.Column("email", sa.String(100)))


def downgrade():
    op.drop_column("user", "email")
"""


@pytest.fixture
def migrations(
    tmp_path: Path,
    write_revision: t.Callable[..., Path],
    write_users_revision: t.Callable[[Path], Path],
) -> Path:
    """The migrations folder, holding ``r1`` (a ``user`` table) and ``r2``
    (its ``email`` column).
    """
    folder = tmp_path / "migrations"
    write_users_revision(folder)
    write_revision(folder, "r2", "r1", EMAIL)
    return folder


@pytest.fixture
def offline_env(tmp_path: Path, migrations: Path) -> t.Iterator[Environment]:
    """An environment whose engine points at a PostgreSQL server that is not
    running.
    """
    engine = sa.create_engine(DOWN_URL)
    env = Environment(
        Settings.from_mappings(root=tmp_path), Targets(sa.MetaData(), engine)
    )
    env.mkdir()
    yield env
    env.close()
    engine.dispose()


def _statements(script: str) -> list[str]:
    """The statements of a script, without comments and blank lines."""
    lines = [line for line in script.splitlines() if not line.startswith("--")]
    return [s.strip() for s in "\n".join(lines).split(";\n") if s.strip()]


def test_upgrade_sql_without_server(offline_env: Environment) -> None:
    """upgrade_sql returns the script of an upgrade from an empty database,
    in one transaction, while the server is down.
    """
    scripts = offline_env.upgrade_sql()
    assert list(scripts) == ["default"]
    script = scripts["default"]
    assert script.startswith("BEGIN;")
    assert script.rstrip().endswith("COMMIT;")
    assert "CREATE TABLE alembic_version" in script
    assert 'CREATE TABLE "user"' in script
    assert 'ALTER TABLE "user" ADD COLUMN email VARCHAR(100)' in script
    assert "INSERT INTO alembic_version (version_num) VALUES ('r1')" in script
    assert "SET version_num='r2' WHERE alembic_version.version_num = 'r1'" in script


@pytest.mark.parametrize(
    ("mode", "transactions"),
    [
        ("revision", [["r1"], ["r2"]]),
        ("savepoint", [["r1", "r2"]]),
        ("run", [["r1", "r2"]]),
    ],
)
def test_upgrade_sql_transaction_mode(
    tmp_path: Path, migrations: Path, mode: str, transactions: list[list[str]]
) -> None:
    """With transaction_mode "revision", the script has one BEGIN/COMMIT per
    revision, holding its version row update; the other modes, one for the
    whole script.
    """
    engine = sa.create_engine(DOWN_URL)
    settings = Settings.from_mappings({"transaction_mode": mode}, root=tmp_path)
    env = Environment(settings, Targets(sa.MetaData(), engine))

    try:
        script = env.upgrade_sql()["default"]
    finally:
        env.close()
        engine.dispose()

    found: list[list[str]] = []
    inside = False

    for statement in _statements(script):
        if statement == "BEGIN":
            assert not inside, script
            found.append([])
            inside = True
        elif statement == "COMMIT":
            assert inside, script
            inside = False
        else:
            assert inside, f"{statement!r} outside a transaction"
            found[-1] += re.findall(r"alembic_version.* VALUES \('(\w+)'\)", statement)
            found[-1] += re.findall(r"SET version_num='(\w+)'", statement)

    assert found == transactions


def test_upgrade_sql_range(offline_env: Environment) -> None:
    """A FROM:TO target, or start, writes only the revisions after FROM and
    assumes the version table exists.
    """
    for script in (
        offline_env.upgrade_sql("r1:r2")["default"],
        offline_env.upgrade_sql("heads", start="r1")["default"],
    ):
        assert "CREATE TABLE" not in script
        assert "-- Running upgrade r1 -> r2" in script
        assert "ADD COLUMN email" in script


def test_upgrade_sql_steps(offline_env: Environment) -> None:
    """A number of steps counts from the start."""
    script = offline_env.upgrade_sql(1)["default"]
    assert 'CREATE TABLE "user"' in script
    assert "email" not in script


def test_upgrade_sql_start_twice(offline_env: Environment) -> None:
    """A start in the range and as an argument is refused."""
    with pytest.raises(RevisionError, match="start is given twice"):
        offline_env.upgrade_sql("r1:r2", start="r1")


def test_upgrade_sql_bad_range(offline_env: Environment) -> None:
    """A range with an end missing is refused with an example."""
    with pytest.raises(RevisionError, match="write FROM:TO, for example"):
        offline_env.upgrade_sql("r1:")


def test_current_refused_offline(offline_env: Environment) -> None:
    """'current' cannot be read without a database."""
    with pytest.raises(RevisionError, match="name the revision it is at"):
        offline_env.upgrade_sql("current:heads")


def test_downgrade_sql_range(offline_env: Environment) -> None:
    """downgrade_sql runs the downgrades from FROM down to TO, newest first."""
    script = offline_env.downgrade_sql("r2:base")["default"]
    statements = _statements(script)
    assert statements[1] == 'ALTER TABLE "user" DROP COLUMN email'
    assert 'DROP TABLE "user"' in statements
    assert "DELETE FROM alembic_version WHERE alembic_version.version_num = 'r1'" in (
        statements
    )
    assert offline_env.downgrade_sql("-1", start="r2") == offline_env.downgrade_sql(
        "r2:r1"
    )


def test_downgrade_sql_needs_start(offline_env: Environment) -> None:
    """An offline downgrade without the revision to start from is refused."""
    with pytest.raises(
        RevisionError, match="FROM:TO range such as 'head:-1' or 'head:base'"
    ):
        offline_env.downgrade_sql("base")


def test_stamp_sql(offline_env: Environment) -> None:
    """stamp_sql records revisions without running them."""
    script = offline_env.stamp_sql()["default"]
    assert "CREATE TABLE alembic_version" in script
    assert "INSERT INTO alembic_version (version_num) VALUES ('r2')" in script
    assert '"user"' not in script
    script = offline_env.stamp_sql("r1:r2")["default"]
    assert "CREATE TABLE" not in script
    assert "SET version_num='r2' WHERE alembic_version.version_num = 'r1'" in script


def test_offline_mode_and_execute(
    offline_env: Environment, migrations: Path, write_revision: t.Callable[..., Path]
) -> None:
    """Revision files can tell they run offline and skip reading data; what
    they execute, and the tag, are in the script.
    """
    write_revision(
        migrations,
        "r3",
        "r2",
        """
        def upgrade():
            if context.is_offline_mode():
                op.execute("UPDATE \\"user\\" SET name = 'offline'")
            else:
                op.get_bind().execute(sa.text("SELECT 1"))

            user = sa.table("user", sa.column("name", sa.String))
            op.execute(user.insert().values(name="it's " + context.get_tag_argument()))
            context.execute("DELETE FROM \\"user\\" WHERE name IS NULL")


        def downgrade():
            pass
        """,
    )
    script = offline_env.upgrade_sql("r2:r3", tag="v2")["default"]
    statements = _statements(script)
    assert statements[1:4] == [
        "UPDATE \"user\" SET name = 'offline'",
        "INSERT INTO \"user\" (name) VALUES ('it''s v2')",
        'DELETE FROM "user" WHERE name IS NULL',
    ]


def test_no_sqlite_file(
    tmp_path: Path,
    migrations: Path,
    monkeypatch: pytest.MonkeyPatch,
    make_engine: t.Callable[..., sa.Engine],
) -> None:
    """A script for SQLite creates no database file and nothing in the
    current folder.
    """
    monkeypatch.chdir(tmp_path)
    db = tmp_path / "app.sqlite"
    env = Environment(
        Settings.from_mappings(root=tmp_path),
        Targets(sa.MetaData(), make_engine(f"sqlite:///{db}")),
    )
    before = sorted(os.listdir(tmp_path))
    script = env.upgrade_sql()["default"]
    env.close()
    assert "CREATE TABLE user (\n    id INTEGER NOT NULL, \n    name VARCHAR(50)" in (
        script
    )
    assert not db.exists()
    assert sorted(os.listdir(tmp_path)) == before


# The flask db commands


@pytest.fixture
def app(tmp_path: Path, migrations: Path) -> t.Iterator[Flask]:
    """An app whose one database is on a PostgreSQL server that is down."""
    app = Flask(__name__, root_path=str(tmp_path))
    engine = sa.create_engine(DOWN_URL)
    Alembic(metadatas=sa.MetaData(), engines=engine).init_app(app)
    yield app
    engine.dispose()


def _invoke(app: Flask, *args: str) -> Result:
    return app.test_cli_runner().invoke(args=["db", *args])


def _ok(result: Result) -> Result:
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output
    return result


def test_cli_upgrade_sql(app: Flask) -> None:
    """flask db upgrade --sql prints the script alone on stdout, with the
    notes on stderr, while the server is down.
    """
    result = _ok(_invoke(app, "upgrade", "--sql"))
    assert result.stdout == _environment(app).upgrade_sql()["default"]
    assert result.stdout.startswith("BEGIN;")
    assert "Running upgrade r1 -> r2" in result.stderr
    assert "Ran " not in result.stderr


def test_cli_quiet(app: Flask) -> None:
    """-q leaves out the notes."""
    result = _ok(_invoke(app, "upgrade", "--sql", "-q"))
    assert result.stderr == ""


def _environment(app: Flask) -> Environment:
    with app.app_context():
        return app.extensions["alembic"].environment  # type: ignore[no-any-return]


def test_cli_downgrade_and_stamp_sql(app: Flask) -> None:
    """flask db downgrade --sql takes a range; stamp --sql records revisions."""
    result = _ok(_invoke(app, "downgrade", "--sql", "r2:r1"))
    assert "DROP COLUMN email" in result.stdout
    assert 'DROP TABLE "user"' not in result.stdout
    result = _ok(_invoke(app, "stamp", "--sql", "r1"))
    assert "INSERT INTO alembic_version (version_num) VALUES ('r1')" in result.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["downgrade", "--sql"], "FROM:TO range such as 'head:-1' or 'head:base'"),
        (["upgrade", "--sql", "--plan"], "--sql and --plan cannot be used together"),
        (["upgrade", "--sql", "--format", "json"], "--sql and --format json cannot"),
        (["stamp", "--sql", "--purge"], "--sql and --purge cannot be used together"),
        (["upgrade", "--tag", "v1"], "--tag is used with --sql only"),
        (["upgrade", "--output-dir", "out"], "--output-dir is used with --sql only"),
        (["upgrade", "r1:r2"], "The range 'r1:r2' is used with --sql only"),
    ],
)
def test_cli_refuses(app: Flask, args: list[str], message: str) -> None:
    """Options that do not go together fail with a one-line error."""
    result = _invoke(app, *args)
    assert result.exit_code != 0
    assert message in result.stderr
    assert "Traceback" not in result.output
    assert result.stdout == ""


@pytest.fixture
def project(tmp_path: Path, write_users_revision: t.Callable[[Path], Path]) -> Path:
    """A folder holding ``app.py``, whose one database is on a PostgreSQL
    server that is down, and the revision ``r1`` in ``migrations``.
    """
    (tmp_path / "app.py").write_text(
        textwrap.dedent(
            f"""\
            import sqlalchemy as sa
            from flask import Flask
            from flask_alembic import Alembic

            app = Flask(__name__)
            engine = sa.create_engine({DOWN_URL!r})
            Alembic(metadatas=sa.MetaData(), engines=engine).init_app(app)
            """
        )
    )
    write_users_revision(tmp_path / "migrations")
    return tmp_path


def test_flask_command_server_down(
    project: Path, flask_cli: t.Callable[..., subprocess.CompletedProcess[str]]
) -> None:
    """The real flask command prints a complete script and exits 0 when the
    app's PostgreSQL server is down.
    """
    result = flask_cli("db", "upgrade", "--sql")
    assert result.returncode == 0, result.stderr
    assert _statements(result.stdout) == [
        "BEGIN",
        "CREATE TABLE alembic_version (\n    version_num VARCHAR(32) NOT NULL, \n"
        "    CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num)\n)",
        'CREATE TABLE "user" (\n    id SERIAL NOT NULL, \n    name VARCHAR(50), \n'
        "    PRIMARY KEY (id)\n)",
        "INSERT INTO alembic_version (version_num) VALUES ('r1') RETURNING"
        " alembic_version.version_num",
        "COMMIT",
    ]
    assert "Running upgrade  -> r1" in result.stderr
    assert sorted(p.name for p in project.iterdir()) == ["app.py", "migrations"]


# Several databases

MULTI = """
def upgrade_default():
    op.create_table("user", sa.Column("id", sa.Integer, primary_key=True))


def downgrade_default():
    op.drop_table("user")


def upgrade_auth():
    op.create_table("account", sa.Column("id", sa.Integer, primary_key=True))


def downgrade_auth():
    op.drop_table("account")
"""

DEFAULT_ONLY = """
def upgrade_default():
    op.add_column("user", sa.Column("name", sa.String(50)))


def downgrade_default():
    op.drop_column("user", "name")
"""


@pytest.fixture
def multi_app(
    tmp_path: Path,
    make_engine: t.Callable[..., sa.Engine],
    write_multidb_revision: t.Callable[..., Path],
) -> Flask:
    """An app with databases ``default`` (PostgreSQL, down) and ``auth``
    (SQLite), and revisions ``m1`` (a table on each) and ``m2``, written
    before ``auth`` existed (nothing for it).
    """
    folder = tmp_path / "multi"
    write_multidb_revision(folder, "m1", None, MULTI)
    write_multidb_revision(folder, "m2", "m1", DEFAULT_ONLY)
    app = Flask(__name__, root_path=str(tmp_path))
    app.config["ALEMBIC"] = {"script_location": "multi"}
    Alembic(
        metadatas={"default": sa.MetaData(), "auth": sa.MetaData()},
        engines={
            "default": make_engine(DOWN_URL),
            "auth": make_engine(f"sqlite:///{tmp_path / 'auth.sqlite'}"),
        },
    ).init_app(app)
    return app


def _sections(stdout: str) -> dict[str, str]:
    """Each database's script, by the name in its header comment."""
    result: dict[str, str] = {}

    for part in stdout.split("-- database: ")[1:]:
        name, _, script = part.partition("\n")
        result[name] = script

    return result


def test_multidb_stdout(multi_app: Flask, tmp_path: Path) -> None:
    """Each database's script follows a comment naming it, with its own
    revision functions and dialect; a revision with no function for a
    database only moves its version.
    """
    result = _ok(_invoke(multi_app, "upgrade", "--sql"))
    assert result.stdout.startswith("-- database: default\n")
    sections = _sections(result.stdout)
    assert list(sections) == ["default", "auth"]
    assert 'CREATE TABLE "user"' in sections["default"]
    assert "ADD COLUMN name VARCHAR(50)" in sections["default"]
    assert "account" not in sections["default"]
    assert "CREATE TABLE account" in sections["auth"]
    assert "user" not in sections["auth"]
    assert (
        "SET version_num='m2' WHERE alembic_version.version_num = 'm1'"
        in (sections["auth"])
    )
    assert not (tmp_path / "auth.sqlite").exists()


def test_multidb_select(multi_app: Flask) -> None:
    """--db limits the scripts to the databases named."""
    result = _ok(
        multi_app.test_cli_runner().invoke(
            args=["db", "--db", "auth", "upgrade", "--sql"]
        )
    )
    assert list(_sections(result.stdout)) == ["auth"]
    scripts = _environment(multi_app).upgrade_sql()
    assert list(scripts) == ["default", "auth"]


def test_multidb_output_dir(
    multi_app: Flask, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """--output-dir writes one file per database into a folder it creates,
    and refuses to replace existing scripts.
    """
    monkeypatch.chdir(tmp_path)
    out = tmp_path / "out" / "sql"
    result = _ok(_invoke(multi_app, "upgrade", "--sql", "--output-dir", str(out)))
    assert result.stdout == ""
    assert f"Wrote {out / 'auth.sql'}" in result.stderr
    assert sorted(os.listdir(out)) == ["auth.sql", "default.sql"]
    assert (out / "auth.sql").read_text().startswith("BEGIN;")
    assert "CREATE TABLE account" in (out / "auth.sql").read_text()
    (out / "auth.sql").write_text("old")
    result = _invoke(multi_app, "stamp", "--sql", "--output-dir", str(out))
    assert result.exit_code == 1
    assert "already exist; nothing was written" in result.stderr
    assert (out / "auth.sql").read_text() == "old"
    assert sorted(os.listdir(tmp_path)) == ["multi", "out"]


def test_cli_tag_and_x_arguments(
    app: Flask, migrations: Path, write_revision: t.Callable[..., Path]
) -> None:
    """--tag and -x reach the revision files, and what they execute with
    them is in the script.
    """
    write_revision(
        migrations,
        "r3",
        "r2",
        """
        def upgrade():
            tenant = context.get_x_argument(as_dictionary=True)["tenant"]
            op.execute(f"-- release {context.get_tag_argument()} for {tenant}")


        def downgrade():
            pass
        """,
    )
    result = _ok(
        _invoke(app, "upgrade", "--sql", "r2:r3", "--tag", "v3", "-x", "tenant=acme")
    )
    assert "-- release v3 for acme;" in result.stdout


def test_extension_methods(app: Flask) -> None:
    """The Alembic extension returns the same scripts as its environment."""
    with app.app_context():
        alembic = app.extensions["alembic"]
        env = alembic.environment
        assert alembic.upgrade_sql("r1:r2") == env.upgrade_sql("r1:r2")
        assert alembic.downgrade_sql("r2:r1") == env.downgrade_sql("r2:r1")
        assert alembic.stamp_sql(start="r1") == env.stamp_sql(start="r1")


def test_async_engine(tmp_path: Path, migrations: Path) -> None:
    """An async engine's URL gives the dialect just as a sync one's does."""
    import asyncpg  # noqa: F401 (a test dependency: the URL's driver)
    from sqlalchemy.ext.asyncio import create_async_engine

    engine = create_async_engine(DOWN_URL.replace("+psycopg", "+asyncpg"))
    env = Environment(
        Settings.from_mappings(root=tmp_path), Targets(sa.MetaData(), engine)
    )
    script = env.upgrade_sql()["default"]
    assert 'CREATE TABLE "user" (\n    id SERIAL NOT NULL' in script


UUID_TABLE = """
def upgrade():
    op.create_table("token", sa.Column("id", sa.Uuid, primary_key=True))


def downgrade():
    op.drop_table("token")
"""


#: What ``Uuid`` becomes on a MariaDB from 10.7: its native ``UUID`` from
#: SQLAlchemy 2.1 on, ``CHAR(32)`` as on MySQL before (2.0's MariaDB dialect
#: has no native UUID).
MARIADB_UUID = "id UUID" if Version(sa.__version__) >= Version("2.1") else "id CHAR(32)"


@pytest.mark.parametrize(
    ("url", "version", "expect"),
    [
        ("mysql+pymysql://root@127.0.0.1:1/test", None, "id CHAR(32)"),
        ("mysql+pymysql://root@127.0.0.1:1/test", "10.11.6-MariaDB", MARIADB_UUID),
        ("mysql+pymysql://root@127.0.0.1:1/test", "10.6.17-MariaDB", "id CHAR(32)"),
        ("mysql+pymysql://root@127.0.0.1:1/test", "8.0.36", "id CHAR(32)"),
        ("mariadb+pymysql://root@127.0.0.1:1/test", None, MARIADB_UUID),
    ],
)
def test_server_version_sets_up_dialect(
    tmp_path: Path,
    write_revision: t.Callable[..., Path],
    url: str,
    version: str | None,
    expect: str,
) -> None:
    """The ``server_version`` context option sets the offline dialect up as a
    connection to that server would: a MariaDB from 10.7 behind a ``mysql``
    URL gets native UUID columns (with SQLAlchemy 2.1).
    """
    write_revision(tmp_path / "migrations", "r1", None, UUID_TABLE)
    context = {} if version is None else {"server_version": version}
    engine = sa.create_engine(url)
    settings = Settings.from_mappings(None, context, root=tmp_path)

    with Environment(settings, Targets(sa.MetaData(), engine)) as env:
        script = env.upgrade_sql()["default"]

    engine.dispose()
    assert expect in script


@pytest.mark.parametrize(
    ("url", "version"),
    [
        (DOWN_URL, ""),
        (DOWN_URL, "unknown"),
        (DOWN_URL, 10),
        ("mariadb+pymysql://root@127.0.0.1:1/test", "8.0.36"),
        ("mysql+pymysql://root@127.0.0.1:1/test", "4.1"),
    ],
)
def test_bad_server_version(
    tmp_path: Path, write_revision: t.Callable[..., Path], url: str, version: t.Any
) -> None:
    """A server version without a version number, or one the URL's dialect
    cannot have, is refused, naming the option and the database.
    """
    write_revision(tmp_path / "migrations", "r1", None, UUID_TABLE)
    engine = sa.create_engine(url)
    settings = Settings.from_mappings(None, {"server_version": version}, root=tmp_path)

    with Environment(settings, Targets(sa.MetaData(), engine)) as env:
        with pytest.raises(
            ConfigurationError,
            match="'server_version' context option of database 'default'",
        ):
            env.upgrade_sql()

    engine.dispose()


def test_cli_bad_server_version(app: Flask) -> None:
    """flask db upgrade --sql with a server version without a number fails
    with one line naming the option, and prints no script.
    """
    app.config["ALEMBIC_CONTEXT"] = {"server_version": "latest"}
    result = _invoke(app, "upgrade", "--sql")
    assert result.exit_code != 0
    assert result.stdout == ""
    assert "Traceback" not in result.output
    error = result.stderr.strip().splitlines()[-1]
    assert error.startswith("Error: The 'server_version' context option")
