"""The ``alembic_envkit.testing`` pytest plugin used from a Flask app, with
the ``alembic_env`` fixture the docs show.
"""

from __future__ import annotations

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

REVISION = """
from alembic import op
import sqlalchemy as sa

revision = "r1"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "user",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(50)),
    )


def downgrade():
    op.drop_table("user")
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
    pytester: pytest.Pytester, app: str, outcomes: dict[str, int]
) -> None:
    """The plugin checks a Flask app's migrations through
    ``alembic.environment`` in an app context, and finds a drift.
    """
    pytester.makeini(INI)
    pytester.makepyfile(project=app, conftest=CONFTEST, test_migrations=TESTS)
    pytester.mkdir("migrations")
    (pytester.path / "migrations" / "r1_create_user.py").write_text(REVISION)
    result = pytester.runpytest_subprocess(timeout=300)
    result.assert_outcomes(**outcomes, warnings=0)

    if "failed" in outcomes:
        result.stdout.fnmatch_lines(["FAILED test_migrations.py::test_no_drift - *"])
        assert (
            "MigrationCheckError: The models differ from the migrations in database"
            " 'default': modify_type user.name: VARCHAR(length=50) -> String(length=80)"
        ) in result.stdout.str()
