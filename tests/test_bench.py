"""Smoke test of the benchmark in bench/, so that it keeps working."""

from __future__ import annotations

import importlib.util
import json
import re
import subprocess
import sys
import types
from pathlib import Path

import sqlalchemy as sa
from alembic.script import ScriptDirectory

BENCH = Path(__file__).parent.parent / "bench"


def _generate() -> types.ModuleType:
    spec = importlib.util.spec_from_file_location(
        "bench_generate", BENCH / "generate.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_generated_history_is_linear(tmp_path: Path) -> None:
    """The generated revisions form one linear history that Alembic reads."""
    generate = _generate()
    ids = generate.write_history(tmp_path, 7)
    folder = str(tmp_path / "migrations")
    script = ScriptDirectory(folder, version_locations=[folder])
    assert script.get_heads() == [ids[-1]]
    assert [s.revision for s in script.walk_revisions()] == ids[::-1]


def test_quick_run(tmp_path: Path) -> None:
    """A quick run of heads, verify and upgrade reports every case with its
    floor; the upgrade with the ledger is measured against the same upgrade
    without it.
    """
    out = tmp_path / "bench.json"
    result = subprocess.run(
        [
            sys.executable,
            str(BENCH / "run.py"),
            "--quick",
            "--only",
            "heads,verify,upgrade",
            "--modes",
            "savepoint",
            "--json",
            str(out),
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr
    assert "same schema" in result.stderr
    rows = json.loads(out.read_text())["results"]
    assert [(r["case"], r["size"]) for r in rows] == [
        ("flask db heads", 10),
        ("flask db verify", 10),
        ("flask db heads", 100),
        ("flask db verify", 100),
        ("flask db upgrade (savepoint)", 100),
        ("flask db upgrade (ledger)", 100),
    ]
    assert rows[-1]["floor"] == "the same upgrade without the ledger"
    assert all(r["median_s"] > 0 and r["floor_median_s"] > 0 for r in rows)
    assert all(r["cpu_median_s"] > 0 for r in rows)
    # Read commands get three runs for each run of the others.
    assert [len(r["times_s"]) for r in rows] == [3, 3, 3, 3, 1, 1]
    assert [len(r["floor_cpu_s"]) for r in rows] == [3, 3, 3, 3, 1, 1]
    # Each flask command reports its time from start to the command's end,
    # which is part of the whole process.
    assert [len(r["in_process_s"]) for r in rows] == [3, 3, 3, 3, 1, 1]
    assert all(
        0 < inner < whole
        for r in rows
        for inner, whole in zip(r["in_process_s"], r["times_s"], strict=True)
    )
    assert "heads marginal cost per revision, CPU time" in result.stdout
    # One run of each supports figures, not verdicts.
    assert "figures (a quick run" in result.stdout
    assert not re.search(r"\b(PASS|FAIL)\b|issue", result.stdout)
    targets = json.loads(out.read_text())["targets"]
    assert targets and all(target["pass"] is None for target in targets)


def test_quick_run_revision_mode(tmp_path: Path) -> None:
    """An upgrade in "revision" mode is measured against a floor that
    commits once per revision, and both build the same schema.
    """
    out = tmp_path / "bench.json"
    result = subprocess.run(
        [
            sys.executable,
            str(BENCH / "run.py"),
            "--quick",
            "--only",
            "upgrade",
            "--modes",
            "revision",
            "--json",
            str(out),
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr
    assert "same schema" in result.stderr
    rows = json.loads(out.read_text())["results"]
    assert [(r["case"], r["size"], r["floor"]) for r in rows] == [
        (
            "flask db upgrade (revision)",
            100,
            "plain SQLAlchemy DDL, a commit per revision",
        ),
        ("flask db upgrade (ledger)", 100, "the same upgrade without the ledger"),
    ]
    assert "(revision, default on SQLite) vs DDL floor" in result.stdout


def test_quick_run_checksum(tmp_path: Path) -> None:
    """The checksum case reformats and edits every generated revision, finds
    no false alarm and no missed edit, and times the checksums against a
    parse floor.
    """
    out = tmp_path / "bench.json"
    result = subprocess.run(
        [sys.executable, str(BENCH / "run.py"), "--quick", "--only", "checksum"]
        + ["--json", str(out)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr
    (row,) = json.loads(out.read_text())["results"]
    assert (row["case"], row["size"]) == ("checksum every revision file", 100)
    checks = row["checks"]
    assert checks["files"] == 100
    assert set(checks) == {
        "files",
        "ruff format",
        "black",
        "CRLF",
        "comments and docstrings",
        "edit in upgrade",
        "edit in downgrade",
    }
    assert all(
        v["changed"] == 100 and v["wrong"] == 0
        for k, v in checks.items()
        if k != "files"
    )
    assert len(row["in_process_s"]) == 1
    assert "0 of 100 files in ruff format" in result.stdout
    assert "0 of 200 edited files" in result.stdout


def test_quick_run_tenants(tmp_path: Path) -> None:
    """The tenants group measures current, a one-revision upgrade with 8
    workers against one, and a new tenant from the snapshot against a
    replay, and reports its targets; the server databases it made are gone
    after.
    """
    out = tmp_path / "bench.json"
    result = subprocess.run(
        [sys.executable, str(BENCH / "run.py"), "--quick", "--only", "tenants"]
        + ["--keep", str(tmp_path / "projects"), "--json", str(out)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr
    rows = json.loads(out.read_text())["results"]
    cases = {(r["case"], r["size"]) for r in rows}
    assert ("current --tenants all (SQLite files)", 20) in cases
    assert ("upgrade one revision, 8 workers (SQLite files)", 20) in cases
    assert ("new tenant at head from the snapshot (SQLite files)", 30) in cases
    assert all(r["in_process_s"] and r["floor_in_process_s"] for r in rows)
    targets = json.loads(out.read_text())["targets"]
    assert any(t["target"].startswith("new tenant at head") for t in targets)

    markers = list((tmp_path / "projects").glob("tenants-*/server.txt"))
    assert markers

    for marker in markers:
        server, *names = marker.read_text().split()
        engine = sa.create_engine(server)

        try:
            # Each server database the run made, PostgreSQL's or MariaDB's.
            left = set(sa.inspect(engine).get_schema_names())
            query = "SELECT datname FROM pg_database"

            if engine.dialect.name == "postgresql":
                with engine.connect() as conn:
                    left = {str(row[0]) for row in conn.exec_driver_sql(query)}

            assert left.isdisjoint(names)
        finally:
            engine.dispose()
