"""Fixtures for end-to-end tests: a small app written into the test's folder
and the real ``flask`` command run on it in a subprocess; environments and
revision files written by hand.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import typing as t
from pathlib import Path

import pytest

from alembic_envkit import Environment

APP_SOURCE = """
import os

from flask import Flask
from flask_alembic import Alembic
from flask_sqlalchemy import SQLAlchemy

db = SQLAlchemy()
alembic = Alembic()


def create_app():
    app = Flask(__name__)
    path = os.path.join(app.root_path, "app.sqlite")
    app.config["SQLALCHEMY_DATABASE_URI"] = "sqlite:///" + path
    db.init_app(app)
    alembic.init_app(app)
    import models  # noqa: F401
    return app
"""

MODELS_SOURCE = """
import sqlalchemy as sa

from app import db


class User(db.Model):
    id = sa.Column(sa.Integer, primary_key=True)
    name = sa.Column(sa.String(50), nullable=False)
"""


#: The functions of a revision that creates the ``user`` table.
USERS_REVISION = """
def upgrade():
    op.create_table(
        "user",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(50)),
    )


def downgrade():
    op.drop_table("user")
"""


#: The upgrade() and downgrade() of a revision for several databases, which
#: call the functions named after each database, such as upgrade_auth().
MULTIDB_DISPATCH = """
def upgrade(engine_name):
    globals()[f"upgrade_{engine_name}"]()


def downgrade(engine_name):
    globals()[f"downgrade_{engine_name}"]()
"""


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A folder holding ``app.py`` (Flask-SQLAlchemy and Flask-Alembic, app
    factory) and ``models.py`` with a ``user`` model.
    """
    (tmp_path / "app.py").write_text(textwrap.dedent(APP_SOURCE).lstrip())
    (tmp_path / "models.py").write_text(textwrap.dedent(MODELS_SOURCE).lstrip())
    return tmp_path


@pytest.fixture
def flask_cli(project: Path) -> t.Callable[..., subprocess.CompletedProcess[str]]:
    """Run ``flask --app app ARGS`` in the project folder with the ``flask``
    executable installed next to this Python.
    """
    executable = Path(sys.executable).parent / "flask"
    env = {k: v for k, v in os.environ.items() if not k.startswith("FLASK_")}
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    env.pop("PYTHONPATH", None)

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(executable), "--app", "app", *args],
            cwd=project,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )

    return run


@pytest.fixture
def make_env(
    make_env: t.Callable[..., Environment],
) -> t.Callable[..., Environment]:
    """Build environments as the root ``make_env`` does, with their
    migrations folder made.
    """

    def make(*args: t.Any, **kwargs: t.Any) -> Environment:
        env = make_env(*args, **kwargs)
        env.mkdir()
        return env

    return make


@pytest.fixture
def write_revision() -> t.Callable[..., Path]:
    """Write a revision file into a folder, its functions given as source."""

    def write(
        folder: Path,
        rev: str,
        down: str | tuple[str, ...] | None,
        body: str,
        labels: tuple[str, ...] | None = None,
    ) -> Path:
        folder.mkdir(parents=True, exist_ok=True)
        head = (
            "import sqlalchemy as sa\n"
            "from alembic import context\n"
            "from alembic import op\n\n"
            f"revision = {rev!r}\n"
            f"down_revision = {down!r}\n"
            f"branch_labels = {labels!r}\n"
            "depends_on = None\n\n\n"
        )
        path = folder / f"{rev}_step.py"
        path.write_text(head + textwrap.dedent(body).lstrip())
        return path

    return write


@pytest.fixture
def write_users_revision(
    write_revision: t.Callable[..., Path],
) -> t.Callable[[Path], Path]:
    """Write revision ``r1``, which creates the ``user`` table (``id`` and
    ``name``), into a folder.
    """
    return lambda folder: write_revision(folder, "r1", None, USERS_REVISION)


@pytest.fixture
def write_multidb_revision(
    write_revision: t.Callable[..., Path],
) -> t.Callable[..., Path]:
    """Write a revision for several databases into a folder, given the
    source of its functions for each database, such as ``upgrade_auth()``.
    """

    def write(folder: Path, rev: str, down: str | None, body: str) -> Path:
        body = f"{MULTIDB_DISPATCH}\n\n{textwrap.dedent(body).lstrip()}"
        return write_revision(folder, rev, down, body)

    return write
