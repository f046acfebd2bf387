"""The ``flask db`` side of the commands' refusals and reports: the same
messages as ``alembic-envkit``, through the app's CLI runner.
"""

from __future__ import annotations

import json
import typing as t
from pathlib import Path

import pytest
from click.testing import Result
from flask import Flask
from flask.testing import FlaskCliRunner

from flask_alembic import Alembic

Invoke: t.TypeAlias = t.Callable[..., Result]


@pytest.fixture
def invoke(runner: FlaskCliRunner, alembic: Alembic) -> Invoke:
    """Run ``flask db ARGS``; new revisions take the ids r001, r002, ..."""
    made: list[str] = []

    def rev_id() -> str:
        made.append(f"r{len(made) + 1:03d}")
        return made[-1]

    alembic.rev_id = rev_id  # type: ignore[method-assign]

    def invoke(*args: str) -> Result:
        return runner.invoke(args=["db", *args])

    return invoke


def _error(result: Result) -> str:
    assert result.exit_code == 1, result.output
    assert result.stdout == ""
    assert "Traceback" not in result.stderr
    return result.stderr.splitlines()[-1]


def _branches(invoke: Invoke) -> None:
    for args in [("one",), ("audit one", "-b", "audit"), ("two",)]:
        result = invoke("revision", "--empty", *args)
        assert result.exit_code == 0, result.output


def test_merge_refuses_independent_branches(app: Flask, invoke: Invoke) -> None:
    """``flask db merge`` refuses heads of independent branches; no file."""
    _branches(invoke)
    folder = Path(app.root_path) / "migrations"
    before = sorted(p.name for p in folder.glob("*.py"))
    line = _error(invoke("merge"))
    assert line.startswith(
        "Error: The heads belong to 2 independent branches (audit: r002; default: r003)"
    )
    assert sorted(p.name for p in folder.glob("*.py")) == before


def test_downgrade_several_heads_and_negative_steps(
    invoke: Invoke, versions: t.Callable[[], set[str]]
) -> None:
    """``flask db downgrade`` at two branches' heads is refused; a branch's
    ``-1`` and a plain ``-1`` work.
    """
    _branches(invoke)
    assert invoke("upgrade").exit_code == 0
    line = _error(invoke("downgrade", "-1"))
    assert "'downgrade audit@-1' or 'downgrade default@-1'" in line
    assert versions() == {"r002", "r003"}
    assert invoke("downgrade", "audit@-1").exit_code == 0
    assert versions() == {"r003"}
    result = invoke("downgrade", "-1")
    assert result.exit_code == 0, result.output
    assert versions() == {"r001"}


def test_upgrade_json(invoke: Invoke) -> None:
    """``flask db upgrade --format json`` prints what ran."""
    _branches(invoke)
    result = invoke("upgrade", "--format", "json")
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    ran = [item["revision"] for item in document["databases"]["default"]]
    assert sorted(ran) == ["r001", "r002", "r003"]
