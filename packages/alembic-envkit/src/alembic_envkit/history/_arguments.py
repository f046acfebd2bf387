"""Revision arguments: what users may pass where a revision is expected, and
new revision ids.
"""

from __future__ import annotations

import datetime as dt
import re
import threading
import typing as t

from .._errors import revision_error
from .._errors import translate_alembic_errors

if t.TYPE_CHECKING:
    from alembic.script import Script
    from alembic.script import ScriptDirectory

    from ._revision import Revision

#: A revision given as an id, a prefix, a symbol (``head``, ``heads``,
#: ``base``, ``current``, ``branch@head``), a :class:`.Revision` or
#: :class:`~alembic.script.Script`, or a sequence of those.
RevisionArg: t.TypeAlias = (
    "str | Revision | Script | t.Sequence[str | Revision | Script]"
)

#: An upgrade or downgrade target: a revision, or a number of steps.
TargetArg: t.TypeAlias = "int | RevisionArg"

_DIGITS = re.compile(r"[+-]?[0-9]+")


def revision_ids(value: RevisionArg | None) -> list[str]:
    """Turn a revision argument into a list of strings Alembic understands.

    :param value: One revision argument or a sequence of them.
    """
    if value is None:
        return []

    if isinstance(value, str):
        return [value]

    if isinstance(getattr(value, "revision", None), str):
        return [t.cast("Revision", value).revision]

    result = []

    for item in t.cast("t.Sequence[t.Any]", value):
        if isinstance(item, str):
            result.append(item)
        elif isinstance(getattr(item, "revision", None), str):
            result.append(item.revision)
        else:
            raise revision_error(
                "A revision must be an id, a symbol, a Revision or a Script,"
                f" not {item!r}."
            )

    return result


def replace_current(
    value: RevisionArg, current: t.Callable[[], t.Iterable[str]]
) -> list[str]:
    """Revision strings, with the symbol ``current`` replaced by the
    database's current revisions.

    :param value: Revisions, as the API takes them.
    :param current: Returns the database's current revision ids; called
        only when ``current`` is given.
    """
    ids = revision_ids(value)

    if "current" not in ids:
        return ids

    result: list[str] = []

    for item in ids:
        if item == "current":
            result.extend(current())
        else:
            result.append(item)

    return result or ["base"]


def is_exact_revision(script: ScriptDirectory, value: str) -> bool:
    """Whether a revision with exactly this id exists. A prefix of a longer
    id does not count.

    :param script: The script directory to look in.
    :param value: Candidate id.
    """
    # Imported here: the caller already has a script directory, but
    # importing this module must not import Alembic.
    from alembic.script.revision import RevisionError as AlembicRevisionError

    with translate_alembic_errors():
        try:
            found = script.revision_map.get_revision(value)
        except AlembicRevisionError:
            return False

    return found is not None and found.revision == value


def step_target(
    script: ScriptDirectory, value: TargetArg, *, down: bool
) -> str | list[str]:
    """Resolve an upgrade or downgrade target.

    An ``int``, or a string of digits that is not exactly a revision id, is a
    number of steps; it is never taken as the prefix of a longer id. Four or
    more digits that start a revision id, such as a date typed for a
    timestamp id, are refused as ambiguous: ``+N`` is a number of steps. For
    a downgrade any count means that many steps down.

    :param script: The script directory, to tell ids from counts.
    :param value: The target as given.
    :param down: Whether this is a downgrade.
    """
    if isinstance(value, bool):
        raise revision_error(f"A revision target cannot be {value!r}.")

    if isinstance(value, str) and _DIGITS.fullmatch(value):
        if value[0] not in "+-":
            if is_exact_revision(script, value):
                return value

            if len(value) >= 4:
                # Alembic asks for four characters of a partial id.
                _refuse_prefix(script, value, down)

        value = int(value)

    if isinstance(value, int):
        if value == 0:
            raise revision_error("A step count must not be 0.")

        if down:
            return str(-abs(value))

        return f"{value:+d}"

    ids = revision_ids(value)

    if len(ids) == 1:
        return ids[0]

    return ids


def _refuse_prefix(script: ScriptDirectory, value: str, down: bool) -> None:
    """Refuse digits that are a number of steps and also the start of
    revision ids, such as a date typed for a timestamp id.
    """
    # Imported here: the caller already has a script directory, but
    # importing this module must not import Alembic.
    from alembic.script.revision import ResolutionError
    from alembic.script.revision import RevisionError as AlembicRevisionError

    with translate_alembic_errors():
        try:
            found = script.revision_map.get_revision(value)
        except ResolutionError as e:
            if not str(e).startswith("Multiple"):
                return

            ids = "several revisions"
        except AlembicRevisionError:
            return
        else:
            if found is None:
                return

            ids = f"revision {found.revision}"

    sign = "-" if down else "+"
    raise revision_error(
        f"{value!r} is both a number of steps and the start of the id of {ids}."
        f" Write {sign}{value} for {value} steps, or the revision's full id."
    )


_last_ms = 0
_rev_id_lock = threading.Lock()


def new_rev_id() -> str:
    """Make a revision id from the current UTC time to the millisecond,
    ``20261122T142530123``. Ids made in one process are unique and increase
    even within one millisecond; they sort in creation order and always
    contain a letter, so they are never mistaken for a step count.
    """
    global _last_ms

    now_ms = int(dt.datetime.now(dt.timezone.utc).timestamp() * 1000)

    with _rev_id_lock:
        _last_ms = max(now_ms, _last_ms + 1)
        ms = _last_ms

    when = dt.datetime.fromtimestamp(ms // 1000, dt.timezone.utc)
    return f"{when:%Y%m%dT%H%M%S}{ms % 1000:03d}"
