from __future__ import annotations

import ast
from pathlib import Path

import alembic_envkit
import flask_alembic


def test_core_public_names_only() -> None:
    """flask_alembic imports from alembic_envkit only names in its
    ``__all__``, never a module of it.
    """
    found = []

    for path in Path(flask_alembic.__file__).parent.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                found += [(path.name, a.name, None) for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                found += [(path.name, node.module, a.name) for a in node.names]

    core = [f for f in found if f[1] and f[1].split(".")[0] == "alembic_envkit"]
    assert core
    assert [f for f in core if f[1] != "alembic_envkit"] == []
    assert [f for f in core if f[2] not in alembic_envkit.__all__] == []
