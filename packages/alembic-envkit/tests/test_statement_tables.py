"""The tables a statement names, which the error after a lock timeout
names: read with sqlglot, or by pattern where sqlglot can't read it.
"""

from __future__ import annotations

import pytest

from alembic_envkit.lint import statement_tables


@pytest.mark.parametrize(
    ("sql", "dialect", "expected"),
    [
        (
            'ALTER TABLE "user" ADD COLUMN email VARCHAR(50)',
            "postgresql",
            [(None, "user")],
        ),
        ('ALTER TABLE app."user" DROP COLUMN x', "postgresql", [("app", "user")]),
        ("ALTER TABLE `user` ADD COLUMN email VARCHAR(50)", "mysql", [(None, "user")]),
        ("CREATE INDEX ix_name ON `user` (name)", "mariadb", [(None, "user")]),
        (
            'CREATE TABLE post (id INTEGER, user_id INTEGER REFERENCES "user" (id))',
            "postgresql",
            [(None, "post"), (None, "user")],
        ),
        (
            "UPDATE a SET x = 1 WHERE y IN (SELECT y FROM b)",
            "postgresql",
            [(None, "a"), (None, "b")],
        ),
        ("LOCK TABLE t1 IN ACCESS EXCLUSIVE MODE", "postgresql", [(None, "t1")]),
        ("SELECT 1", "postgresql", []),
    ],
)
def test_statement_tables(
    sql: str, dialect: str, expected: list[tuple[str | None, str]]
) -> None:
    """Each table once, in the order the statement names them, with its
    schema where given.
    """
    assert statement_tables(sql, dialect) == expected
