"""The rules' checks: each turns an :class:`.Action` into a message naming
what goes wrong and the safe alternative, or ``None``.
"""

from __future__ import annotations

import re
import typing as t
from dataclasses import dataclass

if t.TYPE_CHECKING:
    from ._action import Action


@dataclass(frozen=True)
class Scope:
    """What a check knows besides the action: the dialect, what the
    revision created before it, and the columns a validated
    ``CHECK (col IS NOT NULL)`` covers, as ``(table, column)``.
    """

    dialect: str
    new_tables: frozenset[str]
    checked_not_null: frozenset[tuple[str, str]] = frozenset()


def _qualified(action: Action) -> str:
    return f"{action.table}.{action.column}" if action.column else action.table


def check_drop_table(a: Action, s: Scope) -> str | None:
    return (
        f"dropping table {a.table} breaks the code still running that uses it;"
        " stop using it in a deploy first, then drop it in a contract revision"
    )


def check_drop_column(a: Action, s: Scope) -> str | None:
    return (
        f"dropping column {_qualified(a)} breaks the code still running that"
        " reads it; stop reading it in a deploy first, then drop it in a"
        " contract revision"
    )


def check_rename_table(a: Action, s: Scope) -> str | None:
    return (
        f"renaming table {a.table} to {a.detail} breaks the code still running;"
        " create the new table (or a view) and copy, then drop the old one later"
    )


def check_rename_column(a: Action, s: Scope) -> str | None:
    return (
        f"renaming column {_qualified(a)} to {a.detail} breaks the code still"
        " running; add the new column, write both, backfill, then drop the old"
        " one in a contract revision"
    )


def check_alter_type(a: Action, s: Scope) -> str | None:
    # With LOCK=NONE, MariaDB and MySQL refuse a change they can't make
    # while writes go on, rather than block them.
    if a.table in s.new_tables or _online(a, s):
        return None

    return (
        f"changing the type of {_qualified(a)} rewrites the table under an"
        " exclusive lock; add a column of the new type, backfill in batches,"
        " and switch over"
    )


def check_not_null_without_default(a: Action, s: Scope) -> str | None:
    if "not_null" not in a.flags or a.default or a.table in s.new_tables:
        return None

    return (
        f"adding NOT NULL column {_qualified(a)} without a server default fails"
        " on a table with rows; give it a server_default, or add it nullable,"
        " backfill, then set NOT NULL"
    )


def check_set_not_null(a: Action, s: Scope) -> str | None:
    if a.table in s.new_tables or _online(a, s):
        return None

    # PostgreSQL 12+ trusts a valid check and does not scan the table.
    if (a.table, a.column) in s.checked_not_null:
        return None

    if s.dialect == "postgresql":
        instead = (
            "before it in the same revision, add CHECK (col IS NOT NULL) NOT"
            " VALID and VALIDATE it, each in op.get_context().autocommit_block()"
            " (PostgreSQL 12+ then trusts the check)"
        )
    else:
        instead = "backfill first and run it with ALGORITHM=INPLACE, LOCK=NONE"

    return (
        f"setting NOT NULL on {_qualified(a)} scans the whole table under an"
        f" exclusive lock; {instead}"
    )


def _online(a: Action, s: Scope) -> bool:
    return s.dialect != "postgresql" and "online" in a.flags


#: ``col IS NOT NULL``, the column maybe qualified or quoted.
_NOT_NULL = re.compile(
    r"^\s*\(?\s*(?:[\w\"`]+\.)?[\"`]?(\w+)[\"`]?\s+IS\s+NOT\s+NULL\s*\)?\s*$",
    re.IGNORECASE,
)


def not_null_column(condition: str) -> str | None:
    """The column a check condition ``col IS NOT NULL`` is about, if it is
    one.
    """
    match = _NOT_NULL.match(condition)
    return match.group(1) if match else None


def check_index(a: Action, s: Scope) -> str | None:
    if a.table in s.new_tables:
        return None

    if s.dialect == "postgresql":
        if "concurrently" in a.flags:
            return None

        return (
            f"creating index {a.name or '(unnamed)'} on {a.table} blocks writes"
            " while it builds; use postgresql_concurrently=True (CREATE INDEX"
            " CONCURRENTLY) inside op.get_context().autocommit_block()"
        )

    if "online" in a.flags:
        return None

    return (
        f"creating index {a.name or '(unnamed)'} on {a.table} may copy the"
        " table and block writes; run ALTER TABLE ... ADD INDEX ...,"
        " ALGORITHM=INPLACE, LOCK=NONE with op.execute"
    )


def check_foreign_key(a: Action, s: Scope) -> str | None:
    if a.table in s.new_tables or "not_valid" in a.flags:
        return None

    return (
        f"adding foreign key {a.name or '(unnamed)'} on {a.table} checks every"
        " row while it locks both tables; create it with"
        " postgresql_not_valid=True, then VALIDATE CONSTRAINT in a later revision"
    )


def check_unique(a: Action, s: Scope) -> str | None:
    if a.table in s.new_tables or "from_index" in a.flags or "online" in a.flags:
        return None

    if s.dialect == "postgresql":
        instead = (
            "CREATE UNIQUE INDEX CONCURRENTLY, then ADD CONSTRAINT ... UNIQUE"
            " USING INDEX"
        )
    else:
        instead = "ALTER TABLE ... ADD UNIQUE ..., ALGORITHM=INPLACE, LOCK=NONE"

    return (
        f"adding unique constraint {a.name or '(unnamed)'} on {a.table} builds"
        f" its index while it blocks writes; use {instead}"
    )


#: Defaults computed per row, which a new column must write into every
#: existing row: the table is rewritten (PostgreSQL 11+ and MariaDB 10.3+
#: add a column with a constant default without touching the rows).
_VOLATILE = {
    "postgresql": r"\b(random|gen_random_uuid|uuid|uuid_generate_v[14]\w*|"
    r"clock_timestamp|timeofday|nextval|statement_timestamp|txid_current)\s*\(",
    "mysql": r"\b(uuid|uuid_short|rand|sysdate)\s*\(",
    # SQLite refuses ALTER TABLE ADD COLUMN with any default that is not a
    # constant: CURRENT_TIMESTAMP, CURRENT_DATE, CURRENT_TIME, expressions.
    "sqlite": r"(\bCURRENT_(TIMESTAMP|DATE|TIME)\b|^\s*\(|\w\s*\()",
}
_VOLATILE["mariadb"] = _VOLATILE["mysql"]


def check_volatile_default(a: Action, s: Scope) -> str | None:
    if not a.default or a.table in s.new_tables:
        return None

    if re.search(_VOLATILE[s.dialect], a.default, re.IGNORECASE) is None:
        return None

    if s.dialect == "sqlite":
        what = "SQLite refuses ALTER TABLE ADD COLUMN with a non-constant default"
    else:
        what = "a default computed per row rewrites the whole table under lock"

    return (
        f"new column {_qualified(a)} has the volatile default {a.default}: {what};"
        " add the column without it, set the default, then backfill in batches"
    )


def check_unbatched(a: Action, s: Scope) -> str | None:
    if "bounded" in a.flags or "autocommit" in a.flags or a.table in s.new_tables:
        return None

    return (
        f"{a.detail} of every row of {a.table} in the DDL transaction holds its"
        " locks until the migration commits; update in bounded batches (by key"
        " range or LIMIT) in op.get_context().autocommit_block(), or in a job"
    )


def check_unnamed(a: Action, s: Scope) -> str | None:
    if a.kind == "create_table":
        if not a.unnamed:
            return None

        kinds = ", ".join(sorted(set(a.unnamed)))
        what = f"table {a.table} has unnamed constraints ({kinds})"
    elif a.name:
        return None
    else:
        what = f"a {a.kind.removeprefix('add_').replace('_', ' ')} on {a.table}"
        what += " has no name"

    return (
        f"{what}: each database names it differently, so no later revision can"
        " drop it portably; give it a name (or a naming convention)"
    )


def check_unreadable_sql(a: Action, s: Scope) -> str | None:
    return (
        f"the linter can't read this op.execute SQL ({a.detail}); check it by"
        " hand, or suppress with a reason"
    )


def check_unreadable_revision(a: Action, s: Scope) -> str | None:
    return (
        f"upgrade() stopped offline ({a.detail}); the operations after this"
        " line were not linted (a data migration that needs a connection?)"
    )
