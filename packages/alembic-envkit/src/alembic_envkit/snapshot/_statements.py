"""Reading SQL text a token at a time, as the database will: strings,
quoted identifiers, comments and (PostgreSQL) dollar-quoted bodies are one
token each, so a semicolon or a name inside them is never taken for what it
looks like outside. Splitting a dump into statements, and the dumps' own
rewrites of what the servers print, are built on it.
"""

from __future__ import annotations

import re
import typing as t

#: A token: its kind and its text. The kinds are ``space``, ``comment``
#: (``line`` comments start with ``--`` or, on MariaDB, ``#``), ``string``,
#: ``quoted`` (an identifier in quotes), ``word`` (a keyword, a name or a
#: number), ``dollar`` (a PostgreSQL dollar-quoted string) and ``punct``.
Token: t.TypeAlias = tuple[str, str]

_DOLLAR = re.compile(r"\$([A-Za-z_\x80-\U0010ffff][\w\x80-\U0010ffff]*)?\$")

#: The words that open a ``BEGIN ... END`` body in a CREATE statement.
_ROUTINES = frozenset({"TRIGGER", "FUNCTION", "PROCEDURE", "EVENT"})

#: ``END IF``, ``END LOOP`` ...: the end of a compound statement that did not
#: open with BEGIN.
_COMPOUND = frozenset({"IF", "LOOP", "WHILE", "REPEAT", "FOR"})


def _family(dialect: str) -> str:
    return "mysql" if dialect in ("mysql", "mariadb") else dialect


def tokens(sql: str, dialect: str) -> t.Iterator[Token]:
    """Cut SQL text into tokens by the quoting rules of ``dialect``
    (``sqlite``, ``postgresql``, ``mysql`` or ``mariadb``). Joining the
    texts of the tokens gives back ``sql``. An unterminated string or comment
    runs to the end of the text.
    """
    family = _family(dialect)
    pos, end = 0, len(sql)

    while pos < end:
        ch = sql[pos]
        nxt = sql[pos + 1 : pos + 2]

        if ch.isspace():
            stop = pos + 1

            while stop < end and sql[stop].isspace():
                stop += 1

            kind = "space"
        elif (ch == "-" and nxt == "-" and _line_comment_ok(sql, pos, family)) or (
            ch == "#" and family == "mysql"
        ):
            stop = sql.find("\n", pos)
            stop = end if stop < 0 else stop
            kind = "line"
        elif ch == "/" and nxt == "*":
            stop = _block_comment_end(sql, pos, nested=family == "postgresql")
            kind = "comment"
        elif ch == "'":
            stop = _quote_end(sql, pos, "'", backslash=family == "mysql")
            kind = "string"
        elif ch == '"':
            stop = _quote_end(sql, pos, '"', backslash=family == "mysql")
            kind = "string" if family == "mysql" else "quoted"
        elif ch == "`" and family in ("mysql", "sqlite"):
            stop = _quote_end(sql, pos, "`", backslash=False)
            kind = "quoted"
        elif ch == "[" and family == "sqlite":
            stop = sql.find("]", pos)
            stop = end if stop < 0 else stop + 1
            kind = "quoted"
        elif ch == "$" and family == "postgresql" and (m := _DOLLAR.match(sql, pos)):
            close = sql.find(m.group(), m.end())
            stop = end if close < 0 else close + len(m.group())
            kind = "dollar"
        elif ch.isalnum() or ch == "_" or ord(ch) > 127:
            stop = pos + 1

            while stop < end and (
                sql[stop].isalnum() or sql[stop] in "_$" or ord(sql[stop]) > 127
            ):
                stop += 1

            if (
                family == "postgresql"
                and sql[pos:stop] in ("E", "e")
                and sql[stop : stop + 1] == "'"
            ):
                # An escape string: E'it\'s'.
                stop = _quote_end(sql, stop, "'", backslash=True)
                kind = "string"
            else:
                kind = "word"
        else:
            stop = pos + 1
            kind = "punct"

        yield kind, sql[pos:stop]
        pos = stop


def _line_comment_ok(sql: str, pos: int, family: str) -> bool:
    # MariaDB takes "--" for a comment only before a space or the end.
    after = sql[pos + 2 : pos + 3]
    return family != "mysql" or after == "" or after.isspace()


def _block_comment_end(sql: str, pos: int, *, nested: bool) -> int:
    depth, i = 0, pos

    while i < len(sql):
        pair = sql[i : i + 2]

        if pair == "/*":
            depth = depth + 1 if nested or depth == 0 else depth
            i += 2
        elif pair == "*/":
            depth -= 1
            i += 2

            if depth == 0:
                return i
        else:
            i += 1

    return len(sql)


def _quote_end(sql: str, pos: int, quote: str, *, backslash: bool) -> int:
    i = pos + 1

    while i < len(sql):
        ch = sql[i]

        if backslash and ch == "\\":
            i += 2
        elif ch == quote:
            if sql[i + 1 : i + 2] == quote:
                i += 2
            else:
                return i + 1
        else:
            i += 1

    return len(sql)


def statements(sql: str, dialect: str) -> list[str]:
    """Split SQL text into its statements for ``dialect`` (``sqlite``,
    ``postgresql``, ``mysql`` or ``mariadb``), without their closing
    semicolons. Semicolons inside strings, quoted names, comments,
    dollar-quoted bodies and the ``BEGIN ... END`` bodies of triggers,
    functions and procedures do not end a statement. Line comments are
    dropped; a statement of nothing but comments is left out.

    :param sql: The text, such as a dump from :func:`.dump`.
    :param dialect: The SQLAlchemy dialect name whose quoting rules apply.
    :return: The statements, stripped of the space around them.
    """
    found: list[str] = []
    splitter = _Splitter()

    for kind, text in tokens(sql, dialect):
        if kind == "line":
            continue

        if splitter.feed(kind, text):
            found.append(splitter.flush())

    found.append(splitter.flush())
    return [s for s in found if s]


class _Splitter:
    """The statement being read, and the ``BEGIN`` and ``CASE`` blocks open
    in it.
    """

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        """Start a new statement."""
        self.parts: list[str] = []
        self.words = 0
        self.creating = False
        self.routine = False
        self.blocks: list[str] = []
        self.parens = 0
        self.pending_end = False
        self.meaningful = False

    def feed(self, kind: str, text: str) -> bool:
        """Take the next token; true when it is the semicolon that ends the
        statement.
        """
        if kind in ("space", "comment"):
            self.parts.append(text)
            return False

        word = text.upper() if kind == "word" else ""
        closes_case = False

        if self.pending_end:
            # END IF and the like close no block of ours; END and END CASE
            # close the innermost one.
            self.pending_end = False
            closes_case = word == "CASE"

            if word not in _COMPOUND and self.blocks:
                self.blocks.pop()

        if kind == "punct" and text == ";" and not self.blocks and not self.parens:
            return True

        if kind == "punct" and text in "()":
            # A rule's actions: DO ALSO (INSERT ...; INSERT ...).
            self.parens = max(self.parens + (1 if text == "(" else -1), 0)

        self.parts.append(text)
        self.meaningful = True

        if word:
            self.words += 1

            if self.words == 1:
                self.creating = word == "CREATE"
            elif self.creating and word in _ROUTINES:
                self.routine = True
            elif self.routine and word in ("BEGIN", "CASE") and not closes_case:
                self.blocks.append(word)
            elif self.routine and word == "END":
                self.pending_end = True

        return False

    def flush(self) -> str:
        """The statement read so far, and a fresh start."""
        text = "".join(self.parts).strip() if self.meaningful else ""
        self.reset()
        return text


def unquote(kind: str, text: str) -> str:
    """The name a ``word`` or ``quoted`` token stands for; a ``word`` as
    written (PostgreSQL folds unquoted names to lower case, the others keep
    them).
    """
    if kind != "quoted":
        return text

    if text[0] == "[":
        return text[1:-1]

    quote = text[0]
    return text[1:-1].replace(quote * 2, quote)


def significant(sql: str, dialect: str) -> list[Token]:
    """The tokens of ``sql`` other than space and comments."""
    return [
        (kind, text)
        for kind, text in tokens(sql, dialect)
        if kind not in ("space", "comment", "line")
    ]


def working_order(
    definitions: t.Mapping[str, str], dialect: str, *, fold: bool = False
) -> list[str]:
    """The names of ``definitions`` (views, say) in an order in which each
    comes after the others that its definition mentions, by name otherwise.
    A mention that is no dependency (a column named like a view) can make a
    cycle; the cycle is broken by name.

    :param definitions: Each name's definition (its CREATE statement).
    :param dialect: The dialect whose quoting rules the definitions follow.
    :param fold: Whether names compare without case, as on SQLite.
    """

    def key(name: str) -> str:
        return name.casefold() if fold else name

    names = sorted(definitions)
    known = {key(name): name for name in names}
    needs = {
        name: {
            known[key(unquote(kind, text))]
            for kind, text in significant(definitions[name], dialect)
            if kind in ("word", "quoted") and key(unquote(kind, text)) in known
        }
        - {name}
        for name in names
    }
    order: list[str] = []
    done: set[str] = set()

    while len(order) < len(names):
        left = [name for name in names if name not in done]
        name = next((n for n in left if needs[n] <= done), left[0])
        order.append(name)
        done.add(name)

    return order
