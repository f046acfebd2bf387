from __future__ import annotations

import subprocess
import sys

import alembic_envkit


def _run(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120
    )


def test_no_flask_import() -> None:
    """Importing the package and its command line leaves Flask unimported."""
    done = _run(
        "import alembic_envkit, alembic_envkit.cli, sys;"
        " assert 'flask' not in sys.modules, sorted(sys.modules)"
    )
    assert done.returncode == 0, done.stderr


def test_no_click_import() -> None:
    """Importing the package leaves click unimported until ``make_group`` is
    used.
    """
    done = _run(
        "import alembic_envkit, sys;"
        " assert 'click' not in sys.modules, 'imported click';"
        " import alembic_envkit.cli;"
        " assert alembic_envkit.make_group is alembic_envkit.cli.make_group"
    )
    assert done.returncode == 0, done.stderr


def test_public_names() -> None:
    """Every name in ``__all__`` is importable from the package."""
    for name in alembic_envkit.__all__:
        assert getattr(alembic_envkit, name) is not None

    assert "Environment" in alembic_envkit.__all__
    assert "Settings" in alembic_envkit.__all__
    assert "Targets" in alembic_envkit.__all__
    assert "make_group" in alembic_envkit.__all__


def test_revision_error_without_alembic_until_raised() -> None:
    """The package and its errors import no Alembic; the RevisionError made
    when one is raised is the public class and Alembic's CommandError.
    """
    code = (
        "import sys, alembic_envkit;"
        " from alembic_envkit._errors import revision_error;"
        " loaded = [m for m in sys.modules if m.split('.')[0] == 'alembic'];"
        " assert not loaded, loaded;"
        " e = revision_error('x');"
        " from alembic.util import CommandError;"
        " assert type(e) is alembic_envkit.RevisionError, type(e);"
        " assert isinstance(e, CommandError);"
        " assert isinstance(e, alembic_envkit.EnvkitError)"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
