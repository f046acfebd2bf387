"""The rules: each has an id, a severity, the dialects where its hazard
is, and a check that turns an :class:`.Action` into a message naming what
goes wrong and the safe alternative, or ``None``.

Where the hazard is (SQLite has no concurrent DDL to get wrong and rebuilds
tables in batch mode anyway, so few rules apply there):

=========================  ==========  =====  =======  ======
rule                       PostgreSQL  MySQL  MariaDB  SQLite
=========================  ==========  =====  =======  ======
drop-table, drop-column    yes         yes    yes      yes
rename-table/-column       yes         yes    yes      yes
change-column-type         yes         yes    yes      no
not-null-without-default   yes         yes    yes      yes
set-not-null               yes         yes    yes      no
index-blocks-writes        yes         yes    yes      no
foreign-key-validates      yes         no     no       no
unique-without-index       yes         yes    yes      no
volatile-default           yes         yes    yes      yes
unbatched-update           yes         yes    yes      yes
unnamed-constraint         yes         yes    yes      yes
unreadable-sql             yes         yes    yes      yes
unreadable-revision        yes         yes    yes      yes
=========================  ==========  =====  =======  ======
"""

from __future__ import annotations

import typing as t
from dataclasses import dataclass

from ._checks import check_alter_type
from ._checks import check_drop_column
from ._checks import check_drop_table
from ._checks import check_foreign_key
from ._checks import check_index
from ._checks import check_not_null_without_default
from ._checks import check_rename_column
from ._checks import check_rename_table
from ._checks import check_set_not_null
from ._checks import check_unbatched
from ._checks import check_unique
from ._checks import check_unnamed
from ._checks import check_unreadable_revision
from ._checks import check_unreadable_sql
from ._checks import check_volatile_default
from ._checks import Scope as Scope

if t.TYPE_CHECKING:
    from ._action import Action

ALL = frozenset({"postgresql", "mysql", "mariadb", "sqlite"})
SERVERS = frozenset({"postgresql", "mysql", "mariadb"})
PG = frozenset({"postgresql"})

Check: t.TypeAlias = "t.Callable[[Action, Scope], str | None]"


@dataclass(frozen=True)
class Rule:
    """One lint rule.

    :param id: Kebab-case id, used in suppressions and reports.
    :param severity: ``"error"`` or ``"warning"``.
    :param dialects: Where the hazard is.
    :param help: One sentence: what goes wrong and what to do instead.
    :param destructive: Whether it breaks the code still running, which an
        ``expand`` revision must not do.
    """

    id: str
    severity: str
    dialects: frozenset[str]
    help: str
    destructive: bool = False
    check: Check | None = None


RULES: dict[str, Rule] = {
    rule.id: rule
    for rule in [
        Rule(
            "drop-table",
            "error",
            ALL,
            (
                "Dropping a table breaks the running code; drop it in a contract "
                "revision after a deploy stops using it."
            ),
            destructive=True,
            check=check_drop_table,
        ),
        Rule(
            "drop-column",
            "error",
            ALL,
            (
                "Dropping a column breaks the running code; drop it in a contract "
                "revision after a deploy stops reading it."
            ),
            destructive=True,
            check=check_drop_column,
        ),
        Rule(
            "rename-table",
            "error",
            ALL,
            (
                "Renaming a table breaks the running code; create the new table, "
                "copy, and drop the old one later."
            ),
            destructive=True,
            check=check_rename_table,
        ),
        Rule(
            "rename-column",
            "error",
            ALL,
            (
                "Renaming a column breaks the running code; add the new column, "
                "write both, backfill, drop the old one later."
            ),
            destructive=True,
            check=check_rename_column,
        ),
        Rule(
            "change-column-type",
            "error",
            SERVERS,
            (
                "Changing a column's type rewrites the table under lock; add a new "
                "column and backfill."
            ),
            destructive=True,
            check=check_alter_type,
        ),
        Rule(
            "not-null-without-default",
            "error",
            ALL,
            (
                "A new NOT NULL column without a server default fails on a table "
                "with rows; add a server default, or add it nullable and backfill."
            ),
            check=check_not_null_without_default,
        ),
        Rule(
            "set-not-null",
            "error",
            SERVERS,
            (
                "Setting NOT NULL scans the table under an exclusive lock; on "
                "PostgreSQL add CHECK ... NOT VALID and VALIDATE it first in the "
                "same revision, on MariaDB use ALGORITHM=INPLACE, LOCK=NONE."
            ),
            destructive=True,
            check=check_set_not_null,
        ),
        Rule(
            "index-blocks-writes",
            "error",
            SERVERS,
            (
                "Creating an index on an existing table blocks writes; use "
                "CONCURRENTLY (PostgreSQL) or ALGORITHM=INPLACE, LOCK=NONE "
                "(MariaDB)."
            ),
            check=check_index,
        ),
        Rule(
            "foreign-key-validates",
            "error",
            PG,
            (
                "A foreign key added to an existing table checks every row under "
                "lock; add it NOT VALID, then VALIDATE CONSTRAINT later."
            ),
            check=check_foreign_key,
        ),
        Rule(
            "unique-without-index",
            "error",
            SERVERS,
            (
                "A unique constraint builds its index under lock; build a unique "
                "index concurrently (or online) and add the constraint using it."
            ),
            check=check_unique,
        ),
        Rule(
            "volatile-default",
            "error",
            ALL,
            (
                "A new column with a per-row default rewrites the table "
                "(PostgreSQL, MariaDB) or is refused (SQLite); add it without, then"
                " backfill."
            ),
            check=check_volatile_default,
        ),
        Rule(
            "unbatched-update",
            "error",
            ALL,
            (
                "An UPDATE or DELETE of a whole table inside the DDL transaction "
                "holds locks until commit; batch it outside the transaction."
            ),
            check=check_unbatched,
        ),
        Rule(
            "unnamed-constraint",
            "warning",
            ALL,
            (
                "A constraint without a name gets a different name on each "
                "database; name it."
            ),
            check=check_unnamed,
        ),
        Rule(
            "unreadable-sql",
            "warning",
            ALL,
            "The linter can't read this op.execute SQL; check it by hand.",
            check=check_unreadable_sql,
        ),
        Rule(
            "unreadable-revision",
            "warning",
            ALL,
            ("upgrade() could not run offline to its end; the rest was not linted."),
            check=check_unreadable_revision,
        ),
        Rule(
            "invalid-suppression",
            "error",
            ALL,
            (
                "An '# envkit: allow' comment names an unknown rule or gives no "
                "reason; write '# envkit: allow RULE[,RULE] -- reason'."
            ),
        ),
        Rule(
            "invalid-phase",
            "error",
            ALL,
            "A revision's phase must be 'expand' or 'contract'.",
        ),
    ]
}

#: The rules each kind of action goes to.
BY_KIND: dict[str, tuple[str, ...]] = {
    "drop_table": ("drop-table",),
    "drop_column": ("drop-column",),
    "rename_table": ("rename-table",),
    "rename_column": ("rename-column",),
    "alter_type": ("change-column-type",),
    "add_column": ("not-null-without-default", "volatile-default"),
    "set_not_null": ("set-not-null",),
    "create_index": ("index-blocks-writes",),
    "add_foreign_key": ("foreign-key-validates", "unnamed-constraint"),
    "add_unique": ("unique-without-index", "unnamed-constraint"),
    "add_check": ("unnamed-constraint",),
    "create_table": ("unnamed-constraint",),
    "data_change": ("unbatched-update",),
    "unreadable_sql": ("unreadable-sql",),
    "unreadable_revision": ("unreadable-revision",),
}
