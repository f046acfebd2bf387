"""What each command imports, in a fresh process: ``flask db --help`` and
the read commands import no Alembic module and no revision file; an upgrade
imports only the revisions it runs.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

APP = """
import sqlalchemy as sa
from flask import Flask
from flask_sqlalchemy_lite import SQLAlchemy
from flask_alembic import Alembic

metadata = sa.MetaData()
db = SQLAlchemy()
alembic = Alembic(metadatas=metadata)
app = Flask(__name__)
app.config["SQLALCHEMY_ENGINES"] = {"default": "sqlite:///" + %r}
db.init_app(app)
alembic.init_app(app)
"""

# Runs a flask command, then prints the alembic modules and revision files
# that were imported, as JSON on the last line of stderr.
RUN = """
import atexit, json, sys

folder = sys.argv[1]
ran = set()

def audit(event, args):
    # Revision files are run with exec(), by Alembic or by importlib.
    if event == "exec" and getattr(args[0], "co_filename", "").startswith(folder):
        ran.add(args[0].co_filename)

sys.addaudithook(audit)

def report():
    alembic = [m for m in sys.modules if m.split(".")[0] == "alembic"]
    found = {"alembic": sorted(alembic), "files": sorted(ran)}
    sys.stderr.write("\\n" + json.dumps(found) + "\\n")

atexit.register(report)
from flask.cli import main
sys.argv = ["flask", *sys.argv[2:]]
main()
"""


def _revision(folder: Path, i: int) -> None:
    rev = f"{i:04d}"
    down = repr(f"{i - 1:04d}") if i else None
    (folder / f"{rev}_step.py").write_text(
        textwrap.dedent(
            f'''\
            """step {i}"""
            from alembic import op
            import sqlalchemy as sa

            revision = {rev!r}
            down_revision = {down}
            branch_labels = None
            depends_on = None


            def upgrade():
                op.create_table("t{i}", sa.Column("id", sa.Integer, primary_key=True))


            def downgrade():
                op.drop_table("t{i}")
            '''
        ),
        encoding="utf-8",
    )


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A Flask-SQLAlchemy-Lite app with a linear history of 10 revisions."""
    (tmp_path / "app.py").write_text(APP % str(tmp_path / "db.sqlite"))
    folder = tmp_path / "migrations"
    folder.mkdir()

    for i in range(10):
        _revision(folder, i)

    return tmp_path


def _flask(project: Path, *args: str) -> tuple[str, dict[str, list[str]]]:
    env = {**os.environ, "FLASK_APP": "app.py"}
    done = subprocess.run(
        [sys.executable, "-c", RUN, str(project / "migrations"), *args],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout, json.loads(done.stderr.strip().splitlines()[-1])


def test_help_imports_no_alembic(project: Path) -> None:
    """``flask db --help`` lists the commands without importing Alembic."""
    out, imported = _flask(project, "db", "--help")
    assert "upgrade" in out and "heads" in out
    assert imported == {"alembic": [], "files": []}


@pytest.mark.parametrize(
    "command",
    [["heads"], ["heads", "-v"], ["current"], ["current", "--format", "json"]],
)
def test_reads_import_nothing(project: Path, command: list[str]) -> None:
    """heads and current read the files' headers and the version table: no
    Alembic module, no revision file imported.
    """
    _flask(project, "db", "upgrade", "0004")
    out, imported = _flask(project, "db", *command)
    assert "0009" in out or "0004" in out
    assert imported == {"alembic": [], "files": []}


def test_reads_without_alembic_give_right_answers(project: Path) -> None:
    """The light read path reports the database's revision and the head."""
    _flask(project, "db", "upgrade", "0004")
    out, _ = _flask(project, "db", "current")
    assert out.splitlines() == ["0003 -> 0004, step 4"]
    out, _ = _flask(project, "db", "heads")
    assert out.splitlines() == ["0008 -> 0009 (head), step 9"]


def test_upgrade_imports_only_what_it_runs(project: Path) -> None:
    """An upgrade from 0006 imports the three revision files it runs."""
    _flask(project, "db", "upgrade", "0006")
    _, imported = _flask(project, "db", "upgrade")
    names = [Path(f).name for f in imported["files"]]
    assert names == ["0007_step.py", "0008_step.py", "0009_step.py"]


def test_log_imports_no_revision_file(project: Path) -> None:
    """log and show resolve ranges with Alembic but never run a revision
    file.
    """
    out, imported = _flask(project, "db", "log")
    assert len(out.splitlines()) == 10
    out, imported_show = _flask(project, "db", "show", "head")
    assert "Rev: 0009 (head)" in out
    assert imported["files"] == imported_show["files"] == []
