"""The tables a SQL statement names, read with sqlglot as the linter reads
``op.execute``; the runner names them when a statement gives up waiting
for a lock.
"""

from __future__ import annotations

import logging
import re

from ._sql import _READ

#: What follows the keywords that name a table, where sqlglot can't read
#: the statement.
_NAMED = re.compile(
    r"\b(?:TABLE|INTO|UPDATE|FROM|JOIN|ON|REFERENCES)\s+(?:ONLY\s+)?"
    r"(?:IF\s+(?:NOT\s+)?EXISTS\s+)?((?:[`\"]?[\w$]+[`\"]?\.)?[`\"]?[\w$]+[`\"]?)",
    re.IGNORECASE,
)


def statement_tables(sql: str, dialect: str) -> list[tuple[str | None, str]]:
    """The tables ``sql`` names, as ``(schema, name)`` pairs in the order
    they appear, each once; an empty list when it names none.

    :param sql: One statement.
    :param dialect: A SQLAlchemy dialect name.
    """
    import sqlglot  # heavy
    from sqlglot import exp

    found: list[tuple[str | None, str]] = []

    # sqlglot logs a warning for each statement it reads as a bare command.
    logger = logging.getLogger("sqlglot")
    quiet = logging.Filter("nothing")
    logger.addFilter(quiet)

    try:
        statement = sqlglot.parse_one(sql, read=_READ.get(dialect, dialect))
        tables = (
            [] if isinstance(statement, exp.Command) else statement.find_all(exp.Table)
        )
        names = [(table.db or None, table.name) for table in tables if table.name]
    except (sqlglot.errors.SqlglotError, ValueError):
        names = []
    finally:
        logger.removeFilter(quiet)

    if not names:
        names = [_split(match) for match in _NAMED.findall(sql)]

    for name in names:
        if name not in found:
            found.append(name)

    return found


def _split(text: str) -> tuple[str | None, str]:
    schema, _, name = text.replace("`", "").replace('"', "").rpartition(".")
    return schema or None, name
