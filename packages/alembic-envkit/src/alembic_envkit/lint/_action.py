"""One change a revision makes, as the rules see it."""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field


@dataclass
class Action:
    """One schema or data change, as the rules see it.

    ``kind`` is one of: ``create_table``, ``drop_table``, ``rename_table``,
    ``add_column``, ``drop_column``, ``rename_column``, ``alter_type``,
    ``set_not_null``, ``create_index``, ``add_foreign_key``, ``add_unique``,
    ``add_check``, ``add_primary_key``, ``validate_constraint``,
    ``data_change``, ``unreadable_sql``, ``unreadable_revision``.
    """

    kind: str
    table: str = ""
    line: int = 0
    column: str = ""
    #: The constraint's or index's name, "" when it has none.
    name: str = ""
    #: The new name of a renamed table or column; the condition of a check;
    #: the statement of a data change; the reason SQL couldn't be read.
    detail: str = ""
    #: The SQL of a new column's server default.
    default: str = ""
    #: ``not_null``, ``concurrently``, ``online``, ``not_valid``,
    #: ``unique``, ``bounded``, ``autocommit``, ``from_index``.
    flags: set[str] = field(default_factory=set)
    #: Unnamed constraints of a new table ("unique", "foreign key", "check").
    unnamed: list[str] = field(default_factory=list)
    database: str = ""
