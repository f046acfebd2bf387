"""Fixtures for end-to-end tests: a small app written into the test's folder
and the real ``flask`` command run on it in a subprocess.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import typing as t
from pathlib import Path

import pytest

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
