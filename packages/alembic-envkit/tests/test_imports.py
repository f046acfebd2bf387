from __future__ import annotations

import subprocess
import sys

import alembic_envkit


def test_no_flask_import() -> None:
    """Importing the package and its command line leaves Flask unimported."""
    code = (
        "import alembic_envkit, alembic_envkit.cli, sys;"
        " assert 'flask' not in sys.modules, sorted(sys.modules)"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr


def test_public_names() -> None:
    """Every name in ``__all__`` is importable from the package."""
    for name in alembic_envkit.__all__:
        assert getattr(alembic_envkit, name) is not None

    assert "Environment" in alembic_envkit.__all__
    assert "Settings" in alembic_envkit.__all__
    assert "Targets" in alembic_envkit.__all__
