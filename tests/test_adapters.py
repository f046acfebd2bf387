"""Adapter discovery with both adapter packages installed: each extension
object gets its own adapter, anything else a clear error.
"""

from __future__ import annotations

import subprocess
import typing as t
from pathlib import Path

import pytest
from flask_sqlalchemy import SQLAlchemy as FSA
from flask_sqlalchemy_lite import SQLAlchemy as Lite

from flask_alembic._adapters import find_adapter
from flask_alembic._adapters import load_adapters
from flask_alembic_fsa import FlaskSQLAlchemyAdapter
from flask_alembic_lite import FlaskSQLAlchemyLiteAdapter


def test_both_adapters_installed() -> None:
    """Both adapters are loaded from the flask_alembic.adapters group."""
    adapters = load_adapters()
    assert isinstance(adapters["flask_sqlalchemy"], FlaskSQLAlchemyAdapter)
    assert isinstance(adapters["flask_sqlalchemy_lite"], FlaskSQLAlchemyLiteAdapter)


@pytest.mark.parametrize(
    ("extension", "adapter"),
    [
        (FSA, FlaskSQLAlchemyAdapter),
        (Lite, FlaskSQLAlchemyLiteAdapter),
    ],
)
def test_adapter_per_extension(extension: type, adapter: type) -> None:
    """find_adapter picks the adapter of the extension's own class."""
    assert type(find_adapter(extension())) is adapter


@pytest.mark.parametrize("extension", [object(), "sqlalchemy", FSA, Lite])
def test_unknown_extension_error(extension: t.Any) -> None:
    """Anything that is not an extension instance has no adapter, and the
    error says how to fix it.
    """
    with pytest.raises(
        RuntimeError,
        match="No Flask-Alembic adapter supports .*pass 'metadatas' and 'engines'",
    ):
        find_adapter(extension)


def _install(folder: Path, name: str, entry_points: str) -> None:
    """Install a distribution into a folder on the app's import path: its
    metadata and ``flask_alembic.adapters`` entry points.
    """
    info = folder / f"{name}-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(
        f"Metadata-Version: 2.1\nName: {name}\nVersion: 1.0\n"
    )
    (info / "entry_points.txt").write_text(
        f"[flask_alembic.adapters]\n{entry_points}\n"
    )


def test_failing_adapter_entry_point(
    project: Path, flask_cli: t.Callable[..., subprocess.CompletedProcess[str]]
) -> None:
    """An adapter that fails to load stops the command with one line naming
    it and the error, and nothing is written.
    """
    (project / "broken_adapter.py").write_text('raise RuntimeError("no driver")\n')
    _install(project, "broken_adapter", "broken = broken_adapter:Adapter")
    result = flask_cli("db", "upgrade")
    assert result.returncode != 0
    assert result.stderr.strip().splitlines() == [
        "Error: The Flask-Alembic adapter 'broken' (broken_adapter:Adapter) failed"
        " to load: no driver"
    ]
    assert not (project / "app.sqlite").exists()


def test_duplicate_adapter_entry_point(
    project: Path, flask_cli: t.Callable[..., subprocess.CompletedProcess[str]]
) -> None:
    """Two packages declaring one adapter name stop the command with one line
    naming both.
    """
    (project / "other_adapter.py").write_text(
        "from flask_alembic_fsa import FlaskSQLAlchemyAdapter as Adapter\n"
    )
    _install(project, "other_adapter", "flask_sqlalchemy = other_adapter:Adapter")
    result = flask_cli("db", "upgrade")
    assert result.returncode != 0
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith(
        "Error: Two packages declare the Flask-Alembic adapter 'flask_sqlalchemy':"
    )
    assert "flask_alembic_fsa:FlaskSQLAlchemyAdapter" in line
    assert "other_adapter:Adapter" in line
    assert line.endswith(" Uninstall one.")
    assert not (project / "app.sqlite").exists()
