"""Comparing server defaults without false alarms.

Databases hand back a default in their own spelling: MariaDB stores
``false`` as ``0`` and ``now()`` as ``current_timestamp()``. Alembic compares
the text, so such a column would be reported as changed after every upgrade.
"""

from __future__ import annotations

import re
import typing as t

#: Spellings that mean the same default, mapped to one of them.
_SAME = {
    "true": "1",
    "false": "0",
    "now()": "current_timestamp",
    "current_timestamp()": "current_timestamp",
    "localtimestamp()": "localtimestamp",
}

_WRAPPING = re.compile(r"^\((.*)\)$", re.S)


def compare_server_default(
    context: t.Any,
    inspected_column: t.Any,
    metadata_column: t.Any,
    inspected_default: str | None,
    metadata_default: t.Any,
    rendered_metadata_default: str | None,
) -> bool | None:
    """Alembic's ``compare_server_default`` hook, used when the option is
    ``True``: spellings of the same default are equal; anything else is left
    to Alembic's own comparison.
    """
    if inspected_default is None or rendered_metadata_default is None:
        return None

    if _normal(inspected_default) == _normal(rendered_metadata_default):
        return False

    return None


def _normal(text: str) -> str:
    value = text.strip()

    while match := _WRAPPING.match(value):
        value = match.group(1).strip()

    value = value.strip("'\"").lower()
    return _SAME.get(value, value)
