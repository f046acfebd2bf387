from __future__ import annotations

import pytest

from alembic_envkit.settings._server_defaults import compare_server_default


@pytest.mark.parametrize(
    ("inspected", "rendered"),
    [
        ("'0'", "false"),
        ("1", "true"),
        ("current_timestamp()", "now()"),
        ("CURRENT_TIMESTAMP", "now()"),
        ("('draft')", "'draft'"),
    ],
)
def test_same_default_spelled_differently(inspected: str, rendered: str) -> None:
    """Spellings of the same default are reported as equal."""
    assert compare_server_default(None, None, None, inspected, None, rendered) is False


@pytest.mark.parametrize(
    ("inspected", "rendered"),
    [("'draft'", "'done'"), ("0", "true"), (None, "'x'"), ("'x'", None)],
)
def test_other_defaults_left_to_alembic(
    inspected: str | None, rendered: str | None
) -> None:
    """Anything else is left to Alembic's comparison (None)."""
    assert compare_server_default(None, None, None, inspected, None, rendered) is None
