"""The ledger's settings: whether each database keeps a ledger of the
revisions applied to it, in which table, and what ``upgrade`` does when the
files no longer match it (see ``run/_ledger.py``).
"""

from __future__ import annotations

import re
import typing as t
from dataclasses import dataclass

from .._errors import ConfigurationError

#: The table's name when the ``ledger_table`` setting is ``True``.
DEFAULT_TABLE = "alembic_ledger"

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,62}")


@dataclass(frozen=True)
class LedgerSettings:
    """The ledger settings of an environment."""

    #: The table's name; ``None`` when the ledger is off.
    table: str | None
    #: Whether ``upgrade`` refuses, rather than warns about, a revision
    #: edited after it was applied or an applied revision whose file is gone.
    refuse: bool


def ledger_settings(options: t.Mapping[str, t.Any]) -> LedgerSettings:
    """Read ``ledger_table`` and ``ledger_mismatch``.

    :raises ConfigurationError: For a table name that is not a plain
        identifier, or a mismatch policy other than warn or refuse.
    """
    value = options.get("ledger_table", False)
    table = DEFAULT_TABLE if value is True else value or None

    if table is not None and not (isinstance(table, str) and _NAME.fullmatch(table)):
        raise ConfigurationError(
            f"The 'ledger_table' setting is {value!r}; use True, False, or a"
            " table name of letters, digits and '_' (at most 63)."
        )

    mismatch = options.get("ledger_mismatch", "warn")

    if mismatch not in ("warn", "refuse"):
        raise ConfigurationError(
            f"The 'ledger_mismatch' setting is {mismatch!r}; use 'warn' or 'refuse'."
        )

    return LedgerSettings(table, mismatch == "refuse")


def skip_ledger(
    include_name: t.Callable[..., bool] | None, table: str
) -> t.Callable[..., bool]:
    """An ``include_name`` hook that leaves the ledger table out of
    autogenerate, as Alembic leaves out the version table, and asks
    ``include_name`` about everything else.
    """

    def include(name: str | None, type_: str, parent_names: t.Any) -> bool:
        if type_ == "table" and name == table:
            return False

        return include_name is None or include_name(name, type_, parent_names)

    return include
