"""The DDL lock settings: their defaults, the backoff they give, one clear
line for each bad value, and a run refused before it changes anything.
"""

from __future__ import annotations

import typing as t

import pytest
import sqlalchemy as sa

from alembic_envkit import ConfigurationError
from alembic_envkit import Environment
from alembic_envkit.settings import ddl_lock_settings
from alembic_envkit.settings import DDLLockSettings


def test_off_by_default() -> None:
    """Without ``ddl_lock_timeout``, nothing is limited, whatever else is set."""
    assert ddl_lock_settings({}) is None
    assert ddl_lock_settings({"ddl_lock_timeout": None}) is None
    assert ddl_lock_settings({"ddl_lock_retries": 5}) is None


def test_defaults_and_backoff() -> None:
    """With the timeout alone: three retries, one second first, doubling."""
    settings = ddl_lock_settings({"ddl_lock_timeout": 2})
    assert settings == DDLLockSettings(timeout=2.0, retries=3, delay=1.0)
    assert settings.attempts == 4
    assert [settings.wait(n) for n in (1, 2, 3)] == [1.0, 2.0, 4.0]


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        ({"ddl_lock_timeout": "0.5"}, DDLLockSettings(0.5, 3, 1.0)),
        (
            {"ddl_lock_timeout": 1, "ddl_lock_retries": 0, "ddl_lock_retry_delay": 0},
            DDLLockSettings(1.0, 0, 0.0),
        ),
        (
            {"ddl_lock_timeout": 0.1, "ddl_lock_retry_delay": "0.25"},
            DDLLockSettings(0.1, 3, 0.25),
        ),
    ],
)
def test_accepted_shapes(options: dict[str, t.Any], expected: DDLLockSettings) -> None:
    """Numbers, and numbers in strings as configuration files give them."""
    assert ddl_lock_settings(options) == expected


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("ddl_lock_timeout", 0),
        ("ddl_lock_timeout", -1),
        ("ddl_lock_timeout", "soon"),
        ("ddl_lock_timeout", True),
        ("ddl_lock_timeout", float("inf")),
        ("ddl_lock_retries", -1),
        ("ddl_lock_retries", 1.5),
        ("ddl_lock_retries", "3"),
        ("ddl_lock_retries", True),
        ("ddl_lock_retry_delay", -0.5),
        ("ddl_lock_retry_delay", "later"),
        ("ddl_lock_retry_delay", None),
    ],
)
def test_bad_value_one_line(key: str, value: t.Any) -> None:
    """Each bad value is refused with one line naming the setting and what
    to give instead.
    """
    options = {"ddl_lock_timeout": 1, key: value}

    with pytest.raises(ConfigurationError, match=f"^The '{key}' setting is ") as info:
        ddl_lock_settings(options)

    assert "\n" not in str(info.value)
    assert "give" in str(info.value)


def test_bad_value_changes_nothing(
    make_env: t.Callable[..., Environment], engine: sa.Engine
) -> None:
    """An upgrade with a bad value is refused before it takes a lock or
    makes the version table.
    """
    env = make_env(sa.MetaData(), engine, {"ddl_lock_timeout": "soon"})
    env.mkdir()

    with pytest.raises(ConfigurationError, match="'ddl_lock_timeout' setting"):
        env.upgrade()

    assert sa.inspect(engine).get_table_names() == []
