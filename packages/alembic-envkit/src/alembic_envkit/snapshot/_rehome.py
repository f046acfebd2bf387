"""A PostgreSQL snapshot moved to another schema: its statements name the
schema the scratch database was built in (its home, usually ``public``)
everywhere, and a tenant's copy must name the tenant's schema instead.

The statements are rewritten a token at a time (see ``_statements.py``),
never by searching the text:

- a name equal to the home schema that qualifies another (``public.t``,
  ``public.t.id``) becomes the tenant's, quoted;
- a string that a ``reg*`` cast or ``nextval``/``setval``/``currval`` reads
  as a name (``'public.t_id_seq'::regclass``) gets the tenant's schema in
  place of its home, quoted as the cast reads it;
- CREATE, COMMENT ON and ALTER SCHEMA of the home schema are dropped: the
  tenant's schema is made before the load.

Anything else that names the home schema (a function body between dollar
quotes, an object named like the schema, an extension put in it), and any
other schema the dump makes, cannot be moved safely: the snapshot is then
refused, with the reason, and the tenant replays its revisions.
"""

from __future__ import annotations

import os
import threading
import typing as t
from dataclasses import dataclass

from ._statements import statements
from ._statements import Token
from ._statements import tokens
from ._statements import unquote

if t.TYPE_CHECKING:
    from ._file import Snapshot

#: The casts that read a string as the name of an object.
_NAME_CASTS = frozenset(
    {
        "regclass",
        "regcollation",
        "regconfig",
        "regdictionary",
        "regoper",
        "regoperator",
        "regproc",
        "regprocedure",
        "regtype",
    }
)
#: The functions whose first argument is a sequence's name.
_SEQUENCE_FUNCTIONS = frozenset({"nextval", "setval", "currval"})

#: A part of a rewritten statement that stands for the tenant's schema: as
#: a quoted name, or as that name inside a string.
_NAME, _IN_STRING = 0, 1

Part: t.TypeAlias = "str | int"


class Refused(Exception):
    """The snapshot cannot be moved to another schema; the message says
    why.
    """


@dataclass(frozen=True)
class Rehomed:
    """A dump's statements with the places of its home schema marked; see
    the module's docstring.
    """

    #: The schema the statements named.
    home: str
    #: Each statement: text, and markers where the schema goes.
    parts: tuple[tuple[Part, ...], ...]
    #: Why the statements cannot be moved, or ``None`` when they can.
    refused: str | None = None

    def render(self, quoted: str) -> list[str]:
        """The statements for the schema ``quoted``, already quoted as an
        identifier.

        :raises Refused: If the statements cannot be moved.
        """
        if self.refused is not None:
            raise Refused(self.refused)

        in_string = quoted.replace("'", "''")
        fill = {_NAME: quoted, _IN_STRING: in_string}
        return [
            "".join(p if isinstance(p, str) else fill[p] for p in statement)
            for statement in self.parts
        ]


def rehome(sql: str, home: str) -> Rehomed:
    """Mark the places of schema ``home`` in the PostgreSQL dump ``sql``, so
    that :meth:`Rehomed.render` gives its statements for another schema.
    """
    found: list[tuple[Part, ...]] = []

    try:
        for statement in statements(sql, "postgresql"):
            parts = _statement(statement, home)

            if parts is not None:
                found.append(parts)
    except Refused as e:
        return Rehomed(home, (), str(e))

    return Rehomed(home, tuple(found))


def rehomed(snapshot: Snapshot) -> Rehomed:
    """:func:`rehome` of a PostgreSQL snapshot file, worked out once per
    process for each version of the file.
    """
    if snapshot.schema is None:
        return Rehomed(
            "",
            (),
            "the file does not say which schema it was built in (it was"
            " written by an older version: rebuild it with 'snapshot')",
        )

    stat = os.stat(snapshot.path)
    key = (snapshot.path, stat.st_size, stat.st_mtime_ns, snapshot.schema)

    with _LOCK:
        cached = _CACHE.get(key)

    if cached is None:
        cached = rehome(snapshot.read_body(), snapshot.schema)

        with _LOCK:
            if len(_CACHE) >= _KEEP:
                _CACHE.pop(next(iter(_CACHE)))

            _CACHE[key] = cached

    return cached


_CACHE: dict[tuple[t.Any, ...], Rehomed] = {}
_LOCK = threading.Lock()
#: How many rewritten snapshots a process keeps.
_KEEP = 8


def _statement(statement: str, home: str) -> tuple[Part, ...] | None:
    """The parts of one statement; ``None`` to drop it.

    :raises Refused: If it names ``home`` where it cannot be moved.
    """
    toks = list(tokens(statement, "postgresql"))
    # The positions of the tokens other than space and comments.
    where = [i for i, (kind, _) in enumerate(toks) if kind not in _BLANK]
    words = [toks[i][1].upper() for i in where[:5] if toks[i][0] == "word"]

    if words[1:2] == ["SCHEMA"] or words[2:3] == ["SCHEMA"]:
        if _schema_statement(toks, where, words, home):
            return None

    parts: list[Part] = []

    for n, i in enumerate(where):
        kind, text = toks[i]
        start = where[n - 1] + 1 if n else 0
        parts.extend(text for _, text in toks[start:i])
        before = toks[where[n - 1]] if n else ("", "")
        after = toks[where[n + 1]] if n + 1 < len(where) else ("", "")

        if kind in ("word", "quoted") and _is(kind, text, home):
            if before == ("punct", ".") or after != ("punct", "."):
                raise Refused(
                    f"it names {text} other than as the schema of an object"
                    f" ({_excerpt(statement)})"
                )

            parts.append(_NAME)
        elif kind == "string" and _read_as_name(toks, where, n):
            parts.extend(_string(text, home))
        elif kind == "dollar" and _names(text, home):
            raise Refused(
                f"a body in dollar quotes names schema {home!r} ({_excerpt(statement)})"
            )
        else:
            parts.append(text)

    parts.extend(text for _, text in toks[where[-1] + 1 :] if where)
    return tuple(_joined(parts))


_BLANK = ("space", "comment", "line")


def _schema_statement(
    toks: list[Token], where: list[int], words: list[str], home: str
) -> bool:
    """Whether a CREATE, COMMENT ON or ALTER SCHEMA statement is of the home
    schema (and dropped); false for other statements.

    :raises Refused: If it makes another schema.
    """
    if words[:2] == ["CREATE", "SCHEMA"]:
        at = 5 if words[2:5] == ["IF", "NOT", "EXISTS"] else 2
    elif words[:3] == ["COMMENT", "ON", "SCHEMA"]:
        at = 3
    elif words[:2] == ["ALTER", "SCHEMA"]:
        at = 2
    else:
        return False

    if at >= len(where):
        return False

    kind, text = toks[where[at]]

    if _is(kind, text, home):
        return True

    if words[0] == "CREATE":
        raise Refused(f"it makes schema {text} too, which tenants would share")

    return False


def _is(kind: str, text: str, name: str) -> bool:
    """Whether a ``word`` or ``quoted`` token stands for ``name``
    (PostgreSQL folds unquoted names to lower case).
    """
    if kind == "word":
        return text.lower() == name

    return kind == "quoted" and unquote(kind, text) == name


def _read_as_name(toks: list[Token], where: list[int], n: int) -> bool:
    """Whether the string at ``where[n]`` is read as an object's name: cast
    to a ``reg*`` type, or the first argument of a sequence function.
    """
    after = [toks[i] for i in where[n + 1 : n + 4]]

    if (
        len(after) == 3
        and after[0] == after[1] == ("punct", ":")
        and after[2][0] == "word"
        and after[2][1].lower() in _NAME_CASTS
    ):
        return True

    before = [toks[i] for i in where[max(n - 2, 0) : n]]
    return (
        len(before) == 2
        and before[1] == ("punct", "(")
        and before[0][0] == "word"
        and before[0][1].lower() in _SEQUENCE_FUNCTIONS
    )


def _string(text: str, home: str) -> list[Part]:
    """The parts of a string literal read as a name: the schema marked
    where it is ``home``, as it is otherwise.
    """
    if not (text.startswith("'") and text.endswith("'") and len(text) > 1):
        return [text]

    inner = text[1:-1].replace("''", "'")
    name = list(tokens(inner, "postgresql"))

    if (
        len(name) >= 3
        and name[0][0] in ("word", "quoted")
        and _is(*name[0], home)
        and name[1] == ("punct", ".")
    ):
        rest = "".join(part for _, part in name[1:])
        return ["'", _IN_STRING, rest.replace("'", "''") + "'"]

    return [text]


def _names(text: str, home: str) -> bool:
    """Whether a dollar-quoted body names ``home``: as a name, or as the
    schema of a name in a string.
    """
    tag = text[: text.index("$", 1) + 1]
    inner = text[len(tag) : len(text) - len(tag)]

    for kind, part in tokens(inner, "postgresql"):
        if kind in ("word", "quoted") and _is(kind, part, home):
            return True

        if kind == "string" and _IN_STRING in _string(part, home):
            return True

        if kind == "dollar" and _names(part, home):
            return True

    return False


def _joined(parts: list[Part]) -> t.Iterator[Part]:
    """The parts with neighbouring texts joined."""
    text = ""

    for part in parts:
        if isinstance(part, str):
            text += part
        else:
            if text:
                yield text

            text = ""
            yield part

    if text:
        yield text


def _excerpt(statement: str) -> str:
    line = " ".join(statement.split())
    return line if len(line) <= 60 else line[:57] + "..."
