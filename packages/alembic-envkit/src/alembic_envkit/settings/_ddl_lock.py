"""The DDL lock settings: how long a revision's statements wait for a lock
on a table, and how often a revision (or, where DDL commits statement by
statement, a statement) that gave up waiting is tried again (see
``run/_lock_retry.py``). Not to be confused with ``lock_timeout``, the wait
for another runner's migration lock.
"""

from __future__ import annotations

import math
import typing as t
from dataclasses import dataclass

from .._errors import ConfigurationError

#: Retries when ``ddl_lock_timeout`` is set and ``ddl_lock_retries`` is not.
DEFAULT_RETRIES = 3

#: The first wait before a retry, in seconds, when ``ddl_lock_retry_delay``
#: is not set.
DEFAULT_DELAY = 1.0


@dataclass(frozen=True)
class DDLLockSettings:
    """How a run limits and retries waits for table locks."""

    #: Seconds a statement waits for a lock before it gives up.
    timeout: float
    #: How many times a timed-out revision (or statement) is tried again.
    retries: int
    #: Seconds before the first retry, doubled before each one after it.
    delay: float

    @property
    def attempts(self) -> int:
        """How many times in all a revision (or statement) may run."""
        return self.retries + 1

    def wait(self, attempt: int) -> float:
        """The wait before retry number ``attempt`` (1 for the first)."""
        return self.delay * float(2 ** (attempt - 1))


def ddl_lock_settings(options: t.Mapping[str, t.Any]) -> DDLLockSettings | None:
    """Read ``ddl_lock_timeout``, ``ddl_lock_retries`` and
    ``ddl_lock_retry_delay``; ``None`` when ``ddl_lock_timeout`` is not set,
    so statements wait as long as the database's own setting says.

    :raises ConfigurationError: For a value of the wrong kind or range.
    """
    value = options.get("ddl_lock_timeout")

    if value is None:
        return None

    timeout = _number(value)

    if timeout is None or timeout <= 0:
        raise ConfigurationError(
            f"The 'ddl_lock_timeout' setting is {value!r}; give the seconds a"
            " statement may wait for a table lock as a number above 0, or None"
            " to leave the database's own limit."
        )

    retries = options.get("ddl_lock_retries", DEFAULT_RETRIES)

    if isinstance(retries, bool) or not isinstance(retries, int) or retries < 0:
        raise ConfigurationError(
            f"The 'ddl_lock_retries' setting is {retries!r}; give how many times"
            " to retry after a lock timeout as a whole number, 0 or more."
        )

    delay_value = options.get("ddl_lock_retry_delay", DEFAULT_DELAY)
    delay = _number(delay_value)

    if delay is None or delay < 0:
        raise ConfigurationError(
            f"The 'ddl_lock_retry_delay' setting is {delay_value!r}; give the"
            " seconds to wait before the first retry as a number, 0 or more."
        )

    return DDLLockSettings(timeout, retries, delay)


def _number(value: t.Any) -> float | None:
    """A finite number of seconds, or ``None``; a number in a string counts
    (configuration files give strings), a bool does not.
    """
    if isinstance(value, bool):
        return None

    try:
        result = float(value)
    except (TypeError, ValueError):
        return None

    return result if math.isfinite(result) else None
