"""The code in the READMEs runs as written, and runs again: a second run,
and a run on a fresh database beside the revisions the first one wrote,
succeed and write nothing new. Each block runs as a script would, in a fresh
folder.
"""

from __future__ import annotations

import gc
import re
import runpy
import sqlite3
import sys
import typing as t
from pathlib import Path

import pytest
import sqlalchemy as sa
from click.testing import CliRunner
from flask import Flask

from alembic_envkit import Environment
from alembic_envkit.cli import main

ROOT = Path(__file__).parent.parent
READMES = [ROOT / "README.md", *sorted(ROOT.glob("packages/*/README.md"))]


def _python_blocks(path: Path) -> list[str]:
    return re.findall(r"```python\n(.*?)```", path.read_text(), re.S)


BLOCKS = [
    (readme, i, code)
    for readme in READMES
    for i, code in enumerate(_python_blocks(readme))
]


def _run(path: Path) -> None:
    """Run a file as ``python FILE`` would, then close what it opened."""
    namespace = runpy.run_path(str(path), run_name="__main__")
    values = list(namespace.values())

    for value in values:
        if isinstance(value, Environment):
            value.close()
        elif isinstance(value, Flask) and "sqlalchemy" in value.extensions:
            with value.app_context():
                for engine in value.extensions["sqlalchemy"].engines.values():
                    engine.dispose()

    for value in values:
        if isinstance(value, sa.Engine):
            value.dispose()

    gc.collect()


def _files(folder: Path) -> dict[str, bytes]:
    """The files in a folder with their content; databases and bytecode by
    name only.
    """
    return {
        str(p.relative_to(folder)): (
            b"" if p.suffix == ".sqlite" or "__pycache__" in p.parts else p.read_bytes()
        )
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def _version_and_tables(database: Path) -> tuple[str | None, set[str]]:
    with sqlite3.connect(database) as conn:
        tables = {r[0] for r in conn.execute("select name from sqlite_master")}
        row = None

        if "alembic_version" in tables:
            row = conn.execute("select version_num from alembic_version").fetchone()

    return (row[0] if row else None), tables


def test_blocks_found() -> None:
    """The READMEs hold the examples this file runs; a broken extractor
    fails here.
    """
    assert len(BLOCKS) >= 4
    assert sum("alembic_envkit" in code for _, _, code in BLOCKS) == 2


@pytest.mark.parametrize(
    ("readme", "index", "code"),
    BLOCKS,
    ids=[f"{r.relative_to(ROOT)}:{i}" for r, i, _ in BLOCKS],
)
def test_example_runs_twice(
    readme: Path,
    index: int,
    code: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Each example runs in a fresh folder, and again in the same folder
    without changing a file.
    """
    monkeypatch.chdir(tmp_path)
    script = tmp_path / "example.py"
    script.write_text(code)
    _run(script)
    first = _files(tmp_path)
    _run(script)
    assert _files(tmp_path) == first


@pytest.mark.parametrize(
    "readme", [r for r in READMES if "alembic_envkit" in r.read_text()]
)
def test_envkit_example_migrates(
    readme: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The example without Flask creates one revision and upgrades SQLite;
    run again on a fresh database beside that revision, it upgrades the new
    database and writes no other revision.
    """
    (code,) = [b for b in _python_blocks(readme) if "alembic_envkit" in b]
    monkeypatch.chdir(tmp_path)
    script = tmp_path / "example.py"
    script.write_text(code)
    database = tmp_path / "app.sqlite"

    for _ in range(2):
        _run(script)
        revisions = list((tmp_path / "migrations").glob("*.py"))
        assert len(revisions) == 1
        assert "op.create_table('user'" in revisions[0].read_text()
        version, tables = _version_and_tables(database)
        assert {"user", "alembic_version"} <= tables
        assert version is not None and revisions[0].name.startswith(version)
        database.unlink()


def test_envkit_module_safe_to_import(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The top-level README's module, named with ``--env``, is imported
    without running its start-up block: a command on a fresh database
    neither upgrades it nor writes a revision.
    """
    (code,) = [b for b in _python_blocks(ROOT / "README.md") if "alembic_envkit" in b]
    monkeypatch.chdir(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delenv("ALEMBIC_ENVKIT_ENV", raising=False)
    script = tmp_path / "readme_envkit.py"
    script.write_text(code)
    _run(script)
    (tmp_path / "app.sqlite").unlink()
    revisions = _files(tmp_path / "migrations")

    result = CliRunner().invoke(main, ["--env", "readme_envkit:env", "current"])
    module: t.Any = sys.modules.pop("readme_envkit", None)

    if module is not None:
        module.env.close()
        module.engine.dispose()

    assert result.exit_code == 0, result.output
    assert _version_and_tables(tmp_path / "app.sqlite") == (None, set())
    assert _files(tmp_path / "migrations") == revisions
