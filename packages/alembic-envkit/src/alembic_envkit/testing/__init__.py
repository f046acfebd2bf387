"""Tests for an application's migrations, as a pytest plugin and as plain
functions.

pytest loads this module through the ``pytest11`` entry point. It adds no
tests, options or hooks, only the ``alembic_env`` fixture, which a project
defines in its ``conftest.py`` to return its :class:`.Environment` on empty
databases. A test module runs the tests by importing them::

    from alembic_envkit.testing import test_history
    from alembic_envkit.testing import test_lint
    from alembic_envkit.testing import test_no_drift
    from alembic_envkit.testing import test_single_head
    from alembic_envkit.testing import test_snapshots
    from alembic_envkit.testing import test_stairway
    from alembic_envkit.testing import test_upgrade
"""

from __future__ import annotations

import pytest

from .._environment import Environment
from .._errors import MigrationCheckError
from ._checks import check_history
from ._checks import check_lint
from ._checks import check_no_drift
from ._checks import check_single_head
from ._checks import check_snapshots
from ._checks import check_stairway
from ._checks import check_upgrade

__all__ = [
    "MigrationCheckError",
    "check_history",
    "check_lint",
    "check_no_drift",
    "check_single_head",
    "check_snapshots",
    "check_stairway",
    "check_upgrade",
    "alembic_at_head",
    "test_history",
    "test_lint",
    "test_no_drift",
    "test_single_head",
    "test_snapshots",
    "test_stairway",
    "test_upgrade",
]


@pytest.fixture
def alembic_env() -> Environment:
    """The :class:`.Environment` the migration tests check. This one fails
    the test: define your own in your ``conftest.py``.
    """
    pytest.fail(
        "Define a fixture named 'alembic_env' in your conftest.py that returns"
        " the Environment to check, on empty databases of its own (with"
        " Flask: yield 'alembic.environment' inside 'app.app_context()').",
        pytrace=False,
    )


@pytest.fixture
def alembic_at_head(alembic_env: Environment) -> Environment:
    """The ``alembic_env`` fixture's environment with its empty databases
    brought to the heads, from the snapshots where there are some (see
    :meth:`.Environment.create_at_head`): a fresh database for a test.
    """
    alembic_env.create_at_head()
    return alembic_env


def test_history(alembic_env: Environment) -> None:
    """The history holds together, as the ``verify`` command checks it."""
    check_history(alembic_env)


def test_lint(alembic_env: Environment) -> None:
    """No revision holds an operation the linter calls an error."""
    check_lint(alembic_env)


def test_single_head(alembic_env: Environment) -> None:
    """The history has no unmerged heads."""
    check_single_head(alembic_env)


def test_upgrade(alembic_env: Environment) -> None:
    """Every database upgrades from base to the heads."""
    check_upgrade(alembic_env)


def test_stairway(alembic_env: Environment) -> None:
    """Each revision upgrades, downgrades and upgrades again."""
    check_stairway(alembic_env)


def test_snapshots(alembic_env: Environment) -> None:
    """Each database's snapshot builds what its revisions build; skipped
    where there is none.
    """
    if not any(alembic_env.snapshots.find().values()):
        pytest.skip("No snapshot to check: write one with the 'snapshot' command.")

    check_snapshots(alembic_env)


def test_no_drift(alembic_env: Environment) -> None:
    """The models match the migrations in every database."""
    check_no_drift(alembic_env)
