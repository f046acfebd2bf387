"""The code in the README runs as written."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent


def _python_blocks(path: Path) -> list[str]:
    return re.findall(r"```python\n(.*?)```", path.read_text(), re.S)


@pytest.mark.parametrize(
    "readme", [ROOT / "README.md", ROOT / "packages/alembic-envkit/README.md"]
)
def test_envkit_example_runs(
    readme: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The example without Flask creates a revision and upgrades SQLite."""
    (code,) = [b for b in _python_blocks(readme) if "alembic_envkit" in b]
    monkeypatch.chdir(tmp_path)
    exec(compile(code, str(readme), "exec"), {})

    revisions = list((tmp_path / "migrations").glob("*.py"))
    assert len(revisions) == 1
    assert "op.create_table('user'" in revisions[0].read_text()

    with sqlite3.connect(tmp_path / "app.sqlite") as conn:
        tables = {r[0] for r in conn.execute("select name from sqlite_master")}
        (version,) = conn.execute("select version_num from alembic_version").fetchone()

    assert {"user", "alembic_version"} <= tables
    assert revisions[0].name.startswith(version)
