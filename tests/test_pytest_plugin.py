"""The ``alembic_envkit.testing`` pytest plugin used from a Flask app, with
the ``alembic_env`` fixture the docs show.
"""

from __future__ import annotations

import typing as t
from pathlib import Path

import pytest

pytest_plugins = ["pytester"]

INI = """\
[pytest]
addopts = -p no:cacheprovider
filterwarnings = error
"""

APP = """
import sqlalchemy as sa
from flask import Flask
from flask_alembic import Alembic
from flask_sqlalchemy import SQLAlchemy

db = SQLAlchemy()
alembic = Alembic()
sa.Table(
    "user",
    db.metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("name", sa.String(50)),
)


def create_app(config):
    app = Flask(__name__)
    app.config.update(config)
    db.init_app(app)
    alembic.init_app(app)
    return app
"""

CONFTEST = """
import pytest

from project import alembic, create_app, db


@pytest.fixture
def app(tmp_path):
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/test.sqlite"})
    yield app

    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def alembic_env(app):
    with app.app_context():
        yield alembic.environment
"""

TESTS = """
from alembic_envkit.testing import test_no_drift
from alembic_envkit.testing import test_single_head
from alembic_envkit.testing import test_stairway
from alembic_envkit.testing import test_upgrade
"""


@pytest.mark.parametrize(
    ("app", "outcomes"),
    [
        (APP, {"passed": 4}),
        (APP.replace("sa.String(50)", "sa.String(80)"), {"passed": 3, "failed": 1}),
    ],
    ids=["sound", "drift"],
)
def test_flask_app(
    pytester: pytest.Pytester,
    write_users_revision: t.Callable[[Path], Path],
    app: str,
    outcomes: dict[str, int],
) -> None:
    """The plugin checks a Flask app's migrations through
    ``alembic.environment`` in an app context, and finds a drift.
    """
    pytester.makeini(INI)
    pytester.makepyfile(project=app, conftest=CONFTEST, test_migrations=TESTS)
    write_users_revision(pytester.path / "migrations")
    result = pytester.runpytest_subprocess(timeout=300)
    result.assert_outcomes(**outcomes, warnings=0)

    if "failed" in outcomes:
        result.stdout.fnmatch_lines(["FAILED test_migrations.py::test_no_drift - *"])
        assert (
            "MigrationCheckError: The models differ from the migrations in database"
            " 'default': modify_type user.name: VARCHAR(length=50) -> String(length=80)"
        ) in result.stdout.str()


SNAPSHOT_TESTS = """
import sqlalchemy as sa

from alembic_envkit.testing import test_snapshots


def test_fresh(alembic_at_head):
    engine = alembic_at_head.targets["default"].engine
    assert sa.inspect(engine).get_table_names() == ["alembic_version", "user"]
"""


def test_snapshots(
    pytester: pytest.Pytester, write_users_revision: t.Callable[[Path], Path]
) -> None:
    """test_snapshots skips without a snapshot, passes with a faithful one
    and fails on a tampered one; alembic_at_head gives a database at head.
    """
    pytester.makeini(INI)
    pytester.makepyfile(project=APP, conftest=CONFTEST, test_migrations=SNAPSHOT_TESTS)
    write_users_revision(pytester.path / "migrations")
    result = pytester.runpytest_subprocess(timeout=300)
    result.assert_outcomes(passed=1, skipped=1, warnings=0)

    made = pytester.run(
        "python",
        "-c",
        "from project import alembic, create_app\n"
        "app = create_app({'SQLALCHEMY_DATABASE_URI': 'sqlite:///scratch.sqlite'})\n"
        "with app.app_context(): print(alembic.snapshots.write())",
    )
    assert made.ret == 0, made.stderr.str()
    path = pytester.path / "migrations" / "snapshots" / "r1.default.sql"
    assert path.is_file()
    result = pytester.runpytest_subprocess(timeout=300)
    result.assert_outcomes(passed=2, warnings=0)

    path.write_text(path.read_text().replace("name VARCHAR(50)", "name VARCHAR(60)"))
    result = pytester.runpytest_subprocess(timeout=300)
    result.assert_outcomes(passed=1, failed=1, warnings=0)
    assert "The snapshot differs from the migrations in database 'default'" in (
        result.stdout.str()
    )


LINT_TESTS = """
from alembic_envkit.testing import test_lint
"""

DROP_NAME = """
def upgrade():
    op.drop_column("user", "name")


def downgrade():
    op.add_column("user", sa.Column("name", sa.String(50)))
"""


def test_lint(
    pytester: pytest.Pytester,
    write_users_revision: t.Callable[[Path], Path],
    write_revision: t.Callable[..., Path],
) -> None:
    """test_lint passes on a history of safe revisions and fails, naming the
    file and line, on one that drops a column.
    """
    pytester.makeini(INI)
    pytester.makepyfile(project=APP, conftest=CONFTEST, test_migrations=LINT_TESTS)
    write_users_revision(pytester.path / "migrations")
    result = pytester.runpytest_subprocess(timeout=300)
    result.assert_outcomes(passed=1, warnings=0)

    write_revision(pytester.path / "migrations", "r2", "r1", DROP_NAME)
    result = pytester.runpytest_subprocess(timeout=300)
    result.assert_outcomes(failed=1, warnings=0)
    result.stdout.fnmatch_lines(["*r2_step.py:12: error drop-column*"])
