"""ENVKIT_REQUIRE_SERVERS, read as a boolean: when on, a test whose server
or command-line client is missing fails instead of skipping.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent
#: A test that needs PostgreSQL, and nothing else.
SERVER_TEST = (
    "tests/dialects/test_safety.py::test_lock_timeout_message_names_holder[postgresql]"
)


#: A test that applies a script with the sqlite3 client.
CLIENT_TEST = "tests/dialects/test_offline_sql.py::test_stamp_script[sqlite]"


def _run_without_server(
    value: str | None, test: str = SERVER_TEST, **env_vars: str
) -> subprocess.CompletedProcess[str]:
    """Run one PostgreSQL test in a new pytest, with no server at its URL."""
    env = dict(os.environ)
    env.pop("ENVKIT_REQUIRE_SERVERS", None)
    env["ENVKIT_TEST_POSTGRESQL_URL"] = "postgresql+psycopg://postgres@127.0.0.1:1/test"
    env.update(env_vars)

    if value is not None:
        env["ENVKIT_REQUIRE_SERVERS"] = value

    return subprocess.run(
        [sys.executable, "-m", "pytest", "-rs", test],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.mark.parametrize("value", [None, "", "0", "false", "No"])
def test_off_skips(value: str | None) -> None:
    """Unset, empty, 0, false, no or off: the test is skipped, saying why."""
    result = _run_without_server(value)
    assert result.returncode == 0, result.stdout
    assert "1 skipped" in result.stdout
    assert "postgresql server not reachable at" in result.stdout


@pytest.mark.parametrize("value", ["1", "true", "YES"])
def test_on_fails(value: str) -> None:
    """1, true, yes or on: the same test fails, saying why."""
    result = _run_without_server(value)
    assert result.returncode == 1, result.stdout
    assert "1 failed" in result.stdout
    assert "postgresql server not reachable at" in result.stdout


def test_other_value_stops_the_run() -> None:
    """Any other value stops the run with one line naming the variable."""
    result = _run_without_server("maybe")
    assert result.returncode == 4, result.stdout
    assert "ENVKIT_REQUIRE_SERVERS='maybe' is not a boolean" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(("value", "outcome"), [("0", "1 skipped"), ("1", "1 error")])
def test_missing_client(value: str, outcome: str) -> None:
    """A test that needs a database's command-line client skips without it,
    and fails when ENVKIT_REQUIRE_SERVERS is on.
    """
    # Only this Python's own folder on the PATH: no sqlite3 there.
    path = str(Path(sys.executable).parent)
    result = _run_without_server(value, CLIENT_TEST, PATH=path)
    assert outcome in result.stdout
    assert "The sqlite3 client is not installed." in result.stdout
