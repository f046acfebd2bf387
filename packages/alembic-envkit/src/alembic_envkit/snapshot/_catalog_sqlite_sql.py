"""Reading the SQL that SQLite keeps in ``sqlite_master``: what its PRAGMAs
do not tell (constraint names, CHECK expressions, index expressions and
predicates, generated columns), and a normal form of a statement that two
spellings of the same DDL share.

The normal form splits a statement into tokens and joins them again with
single spaces: comments and layout go, words and identifiers that need no
quotes are lower-cased (SQLite compares names without regard to ASCII
case), other identifiers are double-quoted, and string literals are kept
as they are.
"""

from __future__ import annotations

import re
import typing as t

_TOKENS = re.compile(
    r"""
    (?P<space>\s+|--[^\n]*|/\*.*?(?:\*/|\Z))
    | (?P<string>'(?:[^']|'')*'?)
    | (?P<ident>"(?:[^"]|"")*"?|`(?:[^`]|``)*`?|\[[^\]]*\]?)
    | (?P<word>[\w$]+)
    | (?P<op><=|>=|<>|!=|==|\|\||<<|>>|->>|->|.)
    """,
    re.VERBOSE | re.DOTALL,
)
_BARE = re.compile(r"[A-Za-z_][A-Za-z0-9_$]*")

#: Words that start a column constraint: a ``CONSTRAINT name`` before any
#: of them names that constraint.
_COLUMN_CONSTRAINTS = frozenset(
    ("primary", "unique", "check", "references", "not", "null", "default")
    + ("collate", "generated", "as")
)
#: Words that start a constraint of the table rather than a column.
_TABLE_CONSTRAINTS = frozenset(("constraint", "primary", "unique", "check", "foreign"))


class Token(t.NamedTuple):
    """A token of a statement: ``kind`` is ``word``, ``ident``, ``string``
    or ``op``, and ``value`` its normal form (an identifier without quotes).
    """

    kind: str
    value: str

    def word(self) -> str | None:
        """The token in lower case if it is a word, else ``None``."""
        return self.value if self.kind == "word" else None


class Constraint(t.NamedTuple):
    """A constraint found in a ``CREATE TABLE`` statement."""

    #: ``primary key``, ``unique``, ``check`` or ``foreign key``.
    kind: str
    #: Its name, if it has one.
    name: str | None
    #: The columns it constrains, in lower case.
    columns: tuple[str, ...]
    #: The table it references (foreign key) or its expression (check).
    text: str


def tokens(sql: str) -> list[Token]:
    """The tokens of a statement, without white space and comments."""
    found = []

    for match in _TOKENS.finditer(sql):
        kind = match.lastgroup
        text = match.group()

        if kind == "word":
            found.append(Token("word", text.lower()))
        elif kind == "ident":
            name = text[1:-1] if len(text) > 1 else ""
            quote = text[0]

            if quote != "[":
                name = name.replace(quote * 2, quote)

            found.append(Token("ident", name))
        elif kind != "space":
            found.append(Token(str(kind), text))

    return found


def render(found: t.Sequence[Token]) -> str:
    """The normal form of tokens: one space between tokens, none inside
    parentheses, before a comma or a semicolon or around a dot, nor between
    a name and the parenthesis that follows it.
    """
    parts: list[str] = []
    previous: Token | None = None

    for token in found:
        if token.kind == "ident":
            text = _identifier(token.value)
        else:
            text = token.value

        glued = previous is not None and (
            previous.value in ("(", ".")
            or token.value in (")", ",", ".", ";")
            or (token.value == "(" and previous.kind in ("word", "ident"))
        )

        if parts and not glued:
            parts.append(" ")

        parts.append(text)
        previous = token

    return "".join(parts)


def normal(sql: str) -> str:
    """The normal form of a statement or an expression."""
    return render(tokens(sql))


def close(found: t.Sequence[Token], start: int) -> int:
    """The index of the parenthesis that closes the one at ``start``; the
    end of the tokens if none does.
    """
    depth = 0

    for index in range(start, len(found)):
        if found[index] == ("op", "("):
            depth += 1
        elif found[index] == ("op", ")"):
            depth -= 1

            if depth == 0:
                return index

    return len(found)


def split(found: t.Sequence[Token]) -> list[list[Token]]:
    """Tokens cut at the commas outside any parentheses."""
    items: list[list[Token]] = [[]]
    depth = 0

    for token in found:
        if token == ("op", ","):
            if depth == 0:
                items.append([])
                continue
        elif token == ("op", "("):
            depth += 1
        elif token == ("op", ")"):
            depth -= 1

        items[-1].append(token)

    return [item for item in items if item]


def group(found: t.Sequence[Token]) -> tuple[list[Token], list[Token]]:
    """The tokens inside the first parentheses, and those after them."""
    for index, token in enumerate(found):
        if token == ("op", "("):
            end = close(found, index)
            return list(found[index + 1 : end]), list(found[end + 1 :])

    return [], []


class Table(t.NamedTuple):
    """What a ``CREATE TABLE`` statement says beyond SQLite's PRAGMAs."""

    #: The tokens of each column's definition, by its name in lower case.
    columns: dict[str, list[Token]]
    constraints: list[Constraint]
    #: What follows the columns: ``without rowid``, ``strict``.
    options: str


def table(sql: str) -> Table:
    """Read a ``CREATE TABLE`` statement."""
    body, rest = group(tokens(sql))
    columns = {}
    constraints = []

    for item in split(body):
        if item[0].word() in _TABLE_CONSTRAINTS:
            constraints.extend(_constraints(item, None))
        else:
            columns[item[0].value.lower()] = item[1:]
            constraints.extend(_constraints(item[1:], item[0].value))

    return Table(columns, constraints, render(rest))


def index(sql: str) -> tuple[list[str], str | None]:
    """The normal form of each column or expression of a ``CREATE INDEX``
    statement, and of its ``WHERE`` predicate.
    """
    body, rest = group(tokens(sql))
    where = render(rest[1:]) if rest and rest[0].word() == "where" else None
    return [render(item) for item in split(body)], where


def generated(definition: t.Sequence[Token]) -> str | None:
    """The expression of a generated column, from its definition."""
    for index, token in enumerate(definition[:-1]):
        if token.word() == "as" and definition[index + 1] == ("op", "("):
            return render(group(definition[index:])[0])

    return None


def _constraints(found: list[Token], column: str | None) -> list[Constraint]:
    """The constraints of a table constraint, or of a column's definition
    (``column`` is then its name). A ``CONSTRAINT name`` names the
    constraint that follows it.
    """
    result = []
    name: str | None = None
    columns: tuple[str, ...] = (column.lower(),) if column is not None else ()
    index = 0

    while index < len(found):
        word = found[index].word()
        following = found[index + 1] if index + 1 < len(found) else Token("op", "")

        if word == "constraint":
            name = following.value
            index += 2
            continue

        if word in ("primary", "unique"):
            kind = "primary key" if word == "primary" else "unique"
            listed = _names(found[index:]) if column is None else columns
            result.append(Constraint(kind, name, listed, ""))
        elif word == "check":
            expression = render(group(found[index:])[0])
            result.append(Constraint("check", name, columns, expression))
        elif word == "foreign":
            columns = _names(found[index:])
        elif word == "references":
            result.append(Constraint("foreign key", name, columns, following.value))

        if word in _COLUMN_CONSTRAINTS:
            name = None
        elif found[index] == ("op", "("):
            index = close(found, index)

        index += 1

    return result


def _names(found: list[Token]) -> tuple[str, ...]:
    """The names in the first parentheses, in lower case: ``(a, b DESC)``."""
    return tuple(item[0].value.lower() for item in split(group(found)[0]))


def _identifier(name: str) -> str:
    if _BARE.fullmatch(name):
        return name.lower()

    return '"' + name.replace('"', '""') + '"'
