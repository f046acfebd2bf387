"""Statements sqlglot reads only as opaque commands (``VALIDATE
CONSTRAINT``, ``UNIQUE USING INDEX``, MariaDB's online index options), read
here by pattern, and routines whose body it can't read at all.
"""

from __future__ import annotations

import re
import typing as t

if t.TYPE_CHECKING:
    from ._action import Action

#: (pattern, kind, flags), tried in order.
_COMMANDS = [
    (
        r"ALTER\s+TABLE\s+(?:ONLY\s+)?(\S+)\s+VALIDATE\s+CONSTRAINT\s+(\S+)",
        "validate_constraint",
        (),
    ),
    (
        r"ALTER\s+TABLE\s+(?:ONLY\s+)?(\S+)\s+ADD\s+CONSTRAINT\s+(\S+)\s+"
        r"(?:UNIQUE|PRIMARY\s+KEY)\s+USING\s+INDEX",
        "add_unique",
        ("from_index",),
    ),
    (
        r"CREATE\s+(?:UNIQUE\s+)?INDEX\s+(?:IF\s+NOT\s+EXISTS\s+)?(\S+)\s+ON\s+(\S+)"
        r".*ALGORITHM\s*=?\s*(?:INPLACE|INSTANT|NOCOPY).*LOCK\s*=?\s*NONE",
        "create_index",
        ("online",),
    ),
    (
        r"CREATE\s+(?:UNIQUE\s+)?INDEX\s+(?:IF\s+NOT\s+EXISTS\s+)?(\S+)\s+ON\s+(\S+)",
        "create_index",
        (),
    ),
    (
        r"(?:ANALYZE|VACUUM|COMMENT\s+ON|GRANT|REVOKE|SET|RESET|"
        r"CREATE\s+(?:EXTENSION|TYPE|SCHEMA|SEQUENCE|(?:OR\s+REPLACE\s+)?"
        r"(?:FUNCTION|VIEW|TRIGGER))|REFRESH\s+MATERIALIZED\s+VIEW|"
        r"ALTER\s+(?:TYPE|SEQUENCE)|DROP\s+(?:TYPE|VIEW|FUNCTION|TRIGGER|INDEX))\b",
        "",
        (),
    ),
]


#: One trigger, function or procedure whose body is a ``BEGIN ... END``
#: block, which sqlglot can't read (MariaDB's): creating it changes no
#: table. The text must end with that ``END`` and hold no schema change
#: after a ``;``, so that no statement after it goes unread.
_ROUTINE = re.compile(
    r"\s*CREATE\s+(?:OR\s+REPLACE\s+)?(?:DEFINER\s*=\s*\S+\s+)?"
    r"(?:TRIGGER|FUNCTION|PROCEDURE)\b.*\bBEGIN\b.*\bEND\s*;?\s*",
    re.IGNORECASE | re.DOTALL,
)
_SCHEMA_CHANGE = re.compile(r";\s*(CREATE|ALTER|DROP|RENAME|TRUNCATE)\b", re.I)


def is_routine(sql: str) -> bool:
    """Whether ``sql`` is one trigger, function or procedure with a
    ``BEGIN ... END`` body and nothing after it.
    """
    return _ROUTINE.fullmatch(sql) is not None and not _SCHEMA_CHANGE.search(sql)


def short(text: str) -> str:
    """``text`` on one line, cut to 80 characters."""
    text = " ".join(text.split())
    return text if len(text) <= 80 else text[:77] + "..."


def command_actions(text: str) -> list[Action]:
    """The actions of a statement sqlglot read only as an opaque command."""
    from ._action import Action

    flat = " ".join(text.split())

    for pattern, kind, flags in _COMMANDS:
        match = re.match(pattern, flat, re.IGNORECASE)

        if match is None:
            continue

        if not kind:
            return []

        if kind == "create_index":
            name, table = match.group(1), match.group(2)
        else:
            table, name = match.group(1), match.group(2)

        action = Action(kind, _ident(table), name=_ident(name), flags=set(flags))

        if re.match(r"CREATE\s+UNIQUE", flat, re.IGNORECASE):
            action.flags.add("unique")

        return [action]

    return [Action("unreadable_sql", detail=f"not understood: {short(flat)}")]


def _ident(text: str) -> str:
    return text.strip("`\"'[]").split("(")[0]
