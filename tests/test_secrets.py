"""Database passwords never appear in output, logs, errors or generated
files, whether a command succeeds or fails.

The password has characters that URLs escape, so both its raw and its
URL-encoded forms are looked for, and so is a fragment of it that any
encoding keeps.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import textwrap
import traceback
import typing as t
from pathlib import Path
from urllib.parse import quote
from urllib.parse import quote_plus

import flask_sqlalchemy
import flask_sqlalchemy_lite
import pytest
import sqlalchemy as sa
from click.testing import Result
from flask import Flask

from alembic_envkit import DatabaseUnavailableError
from alembic_envkit import LockError
from alembic_envkit import MigrationError
from alembic_envkit.run.dialects import acquire
from flask_alembic import Alembic

PASSWORD = "s3cr3t/p@ss:w%rd"
FORMS = sorted({PASSWORD, quote_plus(PASSWORD), quote(PASSWORD, safe=""), "s3cr3t"})

#: A PostgreSQL server nobody listens for.
CLOSED_PORT = sa.URL.create(
    "postgresql+psycopg",
    username="postgres",
    password=PASSWORD,
    host="127.0.0.1",
    port=1,
    database="envkit",
)

Shape: t.TypeAlias = t.Callable[[sa.URL], sa.URL | str]
SHAPES: dict[str, Shape] = {
    "URL": lambda url: url,
    "string": lambda url: url.render_as_string(hide_password=False),
}


def _metadata() -> sa.MetaData:
    metadata = sa.MetaData()
    sa.Table("user", metadata, sa.Column("id", sa.Integer, primary_key=True))
    return metadata


@pytest.fixture
def make_app(
    tmp_path: Path, any_database: t.Callable[[str, str], sa.URL]
) -> t.Iterator[t.Callable[..., Flask]]:
    """Make apps rooted at the test's folder, with Flask-SQLAlchemy(-Lite)
    and the Alembic extension. Their engines are disposed, and SQLAlchemy's
    echo handlers removed, before the test's databases are dropped.
    """
    made: list[tuple[Flask, t.Any]] = []
    handlers = {name: logger.handlers[:] for name, logger in _sqlalchemy_loggers()}

    def make(
        adapter: str,
        url: sa.URL | str | None,
        *,
        echo: bool = False,
        **options: t.Any,
    ) -> Flask:
        """Configure the default database from ``url``, or from ``FLASK_``
        environment variables when it is ``None``.
        """
        app = Flask(__name__, root_path=str(tmp_path))
        app.config["ALEMBIC"] = options
        metadata = _metadata()

        if url is None:
            app.config.from_prefixed_env()
        elif adapter == "lite":
            app.config["SQLALCHEMY_ENGINES"] = {"default": {"url": url, "echo": echo}}
        else:
            app.config["SQLALCHEMY_DATABASE_URI"] = url
            app.config["SQLALCHEMY_ECHO"] = echo

        if adapter == "lite":
            db: t.Any = flask_sqlalchemy_lite.SQLAlchemy(app)
            alembic = Alembic(app, metadatas=metadata)
        else:
            db = flask_sqlalchemy.SQLAlchemy(app, metadata=metadata)
            alembic = Alembic(app)

        alembic.rev_id = lambda: "r001"  # type: ignore[method-assign]
        made.append((app, db))
        return app

    yield make

    for app, db in made:
        with app.app_context():
            for engine in db.engines.values():
                engine.dispose()

    # Echo adds handlers writing to this test's captured stdout.
    for name, logger in _sqlalchemy_loggers():
        logger.handlers[:] = handlers.get(name, [])


def _sqlalchemy_loggers() -> list[tuple[str, logging.Logger]]:
    return [
        (name, logger)
        for name, logger in logging.root.manager.loggerDict.items()
        if name.startswith("sqlalchemy") and isinstance(logger, logging.Logger)
    ]


@pytest.fixture
def assert_hidden(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, capfd: pytest.CaptureFixture[str]
) -> t.Callable[..., str]:
    """Check that the password is in none of the given texts, the log
    records (captured at DEBUG), anything written to the process's stdout
    or stderr, and any file under the test's folder. Returns all the text
    that was checked, to show it was not empty.
    """
    for name in ("sqlalchemy", "alembic", "alembic_envkit"):
        caplog.set_level(logging.DEBUG, logger=name)

    def check(*texts: str) -> str:
        out, err = capfd.readouterr()
        seen = {"text": "\n".join(texts), "log": caplog.text, "out": out + err}

        for path in tmp_path.rglob("*"):
            if path.is_file():
                seen[str(path)] = path.read_bytes().decode("utf-8", "replace")

        for form in FORMS:
            for where, text in seen.items():
                assert form not in text, f"{form!r} in {where}"

        return "\n".join(seen.values())

    return check


def _texts(result: Result) -> tuple[str, str]:
    return result.stdout, result.stderr


def _error(result: Result) -> str:
    """The one "Error:" line of a failed command, without a traceback."""
    assert result.exit_code == 1, (result.stdout, result.stderr, result.exception)
    assert isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in result.output
    errors = [line for line in result.stderr.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1, result.stderr
    return errors[0]


def _traceback(error: BaseException) -> str:
    """The full traceback, with every chained exception, as a program that
    logs the error would show it.
    """
    return "".join(traceback.format_exception(error))


def _write_revision(folder: Path, body: str) -> None:
    folder.mkdir(exist_ok=True)
    (folder / "r001_by_hand.py").write_text(
        '"""by hand"""\nfrom alembic import op\n\nrevision = "r001"\n'
        "down_revision = None\nbranch_labels = None\ndepends_on = None\n\n\n"
        f"def upgrade():\n    {body}\n\n\ndef downgrade():\n    pass\n"
    )


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("adapter", ["lite", "fsa"])
def test_closed_port(
    make_app: t.Callable[..., Flask],
    assert_hidden: t.Callable[..., str],
    adapter: str,
    shape: str,
) -> None:
    """A server that does not answer is reported with the URL, its password
    masked, by the commands and by the API.
    """
    app = make_app(adapter, SHAPES[shape](CLOSED_PORT))
    runner = app.test_cli_runner()
    texts = []

    for command in ("upgrade", "current"):
        result = runner.invoke(args=["db", command])
        line = _error(result)
        assert "postgres:***@127.0.0.1:1/envkit" in line
        texts += _texts(result)

    with app.app_context():
        with pytest.raises(DatabaseUnavailableError, match=r"postgres:\*\*\*@") as info:
            app.extensions["alembic"].upgrade()

    assert_hidden(*texts, _traceback(info.value))


ENV_MODULE = textwrap.dedent(
    """\
    import os

    import sqlalchemy as sa

    from alembic_envkit import Environment
    from alembic_envkit import Settings
    from alembic_envkit import Targets

    HERE = os.path.dirname(os.path.abspath(__file__))
    metadata = sa.MetaData()


    def _env(url):
        return Environment(
            Settings.from_mappings(root=HERE),
            Targets(metadata, sa.create_engine(url)),
        )


    def from_url():
        url = sa.URL.create(
            "postgresql+psycopg",
            username="postgres",
            password=os.environ["SECRET_PASSWORD"],
            host="127.0.0.1",
            port=1,
            database="envkit",
        )
        return _env(url)


    def from_string():
        return _env(os.environ["SECRET_URL"])
    """
)


@pytest.mark.parametrize("attr", ["from_url", "from_string"])
def test_closed_port_console_script(
    tmp_path: Path, assert_hidden: t.Callable[..., str], attr: str
) -> None:
    """The ``alembic-envkit`` command, run as a program, does not show the
    password of a server that does not answer.
    """
    (tmp_path / "secret_env.py").write_text(ENV_MODULE)
    environ = dict(
        os.environ,
        SECRET_PASSWORD=PASSWORD,
        SECRET_URL=CLOSED_PORT.render_as_string(hide_password=False),
        PYTHONDONTWRITEBYTECODE="1",
    )
    environ.pop("PYTHONPATH", None)
    environ.pop("ALEMBIC_ENVKIT_ENV", None)
    script = Path(sys.executable).parent / "alembic-envkit"
    texts = []

    for command in ("mkdir", "upgrade", "current"):
        done = subprocess.run(
            [str(script), "--env", f"secret_env:{attr}", command],
            cwd=tmp_path,
            env=environ,
            capture_output=True,
            text=True,
            timeout=120,
        )
        texts += [done.stdout, done.stderr]

        if command == "mkdir":
            assert done.returncode == 0, done.stderr
            continue

        assert done.returncode == 1
        assert "Traceback" not in done.stderr
        assert done.stderr.splitlines()[-1].startswith(
            "Error: Cannot connect to database 'default' at"
            " postgresql+psycopg://postgres:***@127.0.0.1:1/envkit:"
        )

    assert_hidden(*texts)


@pytest.mark.parametrize("shape", SHAPES)
def test_wrong_password(
    make_app: t.Callable[..., Flask],
    any_database: t.Callable[[str, str], sa.URL],
    assert_hidden: t.Callable[..., str],
    shape: str,
) -> None:
    """A password the server refuses is not shown in the error."""
    url = any_database("mariadb", "default").set(password=PASSWORD)
    app = make_app("lite", SHAPES[shape](url))
    result = app.test_cli_runner().invoke(args=["db", "upgrade"])
    line = _error(result)
    assert "root:***@127.0.0.1" in line
    assert "Access denied" in line

    with app.app_context():
        with pytest.raises(DatabaseUnavailableError, match="Access denied") as info:
            app.extensions["alembic"].upgrade()

    assert_hidden(*_texts(result), _traceback(info.value))


@pytest.mark.parametrize("shape", SHAPES)
def test_sql_error_in_revision(
    make_app: t.Callable[..., Flask],
    any_database: t.Callable[[str, str], sa.URL],
    assert_hidden: t.Callable[..., str],
    tmp_path: Path,
    shape: str,
) -> None:
    """A revision whose SQL fails is reported without the password."""
    url = any_database("postgresql", "default").set(password=PASSWORD)
    _write_revision(
        tmp_path / "migrations", 'op.execute("select * from no_such_table")'
    )
    app = make_app("lite", SHAPES[shape](url))
    result = app.test_cli_runner().invoke(args=["db", "upgrade"])
    line = _error(result)
    assert "upgrade of revision r001" in line
    assert 'relation "no_such_table" does not exist' in line

    with app.app_context():
        with pytest.raises(MigrationError, match="no_such_table") as info:
            app.extensions["alembic"].upgrade()

    assert_hidden(*_texts(result), _traceback(info.value))


@pytest.mark.parametrize(("adapter", "shape"), [("lite", "URL"), ("fsa", "string")])
def test_success_verbose(
    make_app: t.Callable[..., Flask],
    any_database: t.Callable[[str, str], sa.URL],
    assert_hidden: t.Callable[..., str],
    tmp_path: Path,
    adapter: str,
    shape: str,
) -> None:
    """Every command of a working session, with the engine echoing its SQL
    and all logging at DEBUG, keeps the password out of the output, the logs
    and the revision file.
    """
    url = any_database("postgresql", "default").set(password=PASSWORD)
    app = make_app(adapter, SHAPES[shape](url), echo=True)
    runner = app.test_cli_runner()
    texts = []

    for args in (
        ("revision", "-m", "create user"),
        ("upgrade",),
        ("current", "-v"),
        ("history", "-v", "-i"),
        ("heads", "-v"),
        ("show", "head"),
        ("check",),
        ("downgrade", "base"),
        ("upgrade",),
    ):
        result = runner.invoke(args=["db", *args])
        assert result.exit_code == 0, (args, result.stdout, result.stderr)
        texts += _texts(result)

    assert (tmp_path / "migrations" / "r001_create_user.py").is_file()
    seen = assert_hidden(*texts)
    assert "No changes detected." in seen
    assert "CREATE TABLE" in seen
    assert "alembic_version" in seen
    assert "postgres" in seen


def test_lock_timeout(
    make_app: t.Callable[..., Flask],
    make_engine: t.Callable[..., sa.Engine],
    any_database: t.Callable[[str, str], sa.URL],
    assert_hidden: t.Callable[..., str],
) -> None:
    """Waiting in vain for another runner's lock is reported without the
    password.
    """
    url = any_database("postgresql", "default").set(password=PASSWORD)
    app = make_app("lite", url, lock_timeout=0.5)
    lock = acquire("default", make_engine(url), "alembic_version", None, 5)
    assert lock is not None

    try:
        result = app.test_cli_runner().invoke(args=["db", "upgrade"])
        line = _error(result)
        assert "Timed out after 0.5s waiting for the migration lock" in line

        with app.app_context():
            with pytest.raises(LockError, match="Timed out") as info:
                app.extensions["alembic"].upgrade()
    finally:
        lock.release()

    assert_hidden(*_texts(result), _traceback(info.value))


@pytest.mark.parametrize(
    ("adapter", "variable"),
    [
        ("fsa", "FLASK_SQLALCHEMY_DATABASE_URI"),
        ("lite", "FLASK_SQLALCHEMY_ENGINES__default"),
    ],
)
def test_url_from_environment(
    make_app: t.Callable[..., Flask],
    any_database: t.Callable[[str, str], sa.URL],
    assert_hidden: t.Callable[..., str],
    monkeypatch: pytest.MonkeyPatch,
    adapter: str,
    variable: str,
) -> None:
    """A URL read from an environment variable into the config is not shown,
    whether the server answers or not.
    """
    working = any_database("postgresql", "default").set(password=PASSWORD)
    texts = []

    for url, exit_code in ((CLOSED_PORT, 1), (working, 0)):
        monkeypatch.setenv(variable, url.render_as_string(hide_password=False))
        app = make_app(adapter, None)
        runner = app.test_cli_runner()

        for command in ("upgrade", "current"):
            result = runner.invoke(args=["db", command])
            assert result.exit_code == exit_code, (result.stdout, result.stderr)
            texts += _texts(result)

            if exit_code:
                assert "postgres:***@127.0.0.1:1/envkit" in _error(result)

    assert_hidden(*texts)
