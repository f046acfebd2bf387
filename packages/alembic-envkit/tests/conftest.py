"""Fixtures for the alembic_envkit tests: SQLite files in the test's
temporary folder, metadata, and environments built from them.
"""

from __future__ import annotations

import typing as t
from pathlib import Path

import pytest
import sqlalchemy as sa

from alembic_envkit import Environment


@pytest.fixture
def auth_metadata() -> sa.MetaData:
    """Metadata with one ``account`` table, for a second database."""
    md = sa.MetaData()
    sa.Table(
        "account",
        md,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("email", sa.String(100)),
    )
    return md


@pytest.fixture
def env(
    make_env: t.Callable[..., Environment], metadata: sa.MetaData, engine: sa.Engine
) -> Environment:
    """A single-database environment whose migrations folder exists."""
    env = make_env(metadata, engine)
    env.mkdir()
    return env


@pytest.fixture
def multi_env(
    make_env: t.Callable[..., Environment],
    metadata: sa.MetaData,
    auth_metadata: sa.MetaData,
    engine: sa.Engine,
    auth_engine: sa.Engine,
) -> Environment:
    """An environment for two databases, ``default`` and ``auth``, whose
    migrations folder exists.
    """
    env = make_env(
        {"default": metadata, "auth": auth_metadata},
        {"default": engine, "auth": auth_engine},
    )
    env.mkdir()
    return env


@pytest.fixture
def migrations(tmp_path: Path) -> Path:
    """The default ``migrations`` folder of an environment rooted at the
    test's temporary folder.
    """
    return tmp_path / "migrations"


@pytest.fixture
def tables() -> t.Callable[[sa.Engine], set[str]]:
    """Names of the tables in a database, read on a new connection."""

    def names(engine: sa.Engine) -> set[str]:
        return set(sa.inspect(engine).get_table_names())

    return names


@pytest.fixture
def versions() -> t.Callable[[sa.Engine], set[str]]:
    """The rows of ``alembic_version`` in a database, read on a new
    connection.
    """

    def rows(engine: sa.Engine) -> set[str]:
        with engine.connect() as connection:
            result = connection.execute(
                sa.text("select version_num from alembic_version")
            )
            return {row[0] for row in result}

    return rows


@pytest.fixture
def write_revision() -> t.Callable[..., Path]:
    """Write a single-database revision file by hand, as plain Alembic or
    Flask-Migrate would have.
    """

    def write(
        folder: Path,
        rev: str,
        down: str | tuple[str, ...] | None,
        upgrade: str = "pass",
        downgrade: str = "pass",
        *,
        labels: tuple[str, ...] | None = None,
        doc: str = "by hand",
    ) -> Path:
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{rev}_by_hand.py"
        lines = [
            f'"""{doc}"""',
            "from alembic import op",
            "import sqlalchemy as sa",
            "",
            f"revision = {rev!r}",
            f"down_revision = {down!r}",
            f"branch_labels = {labels!r}",
            "depends_on = None",
            "",
            "",
            "def upgrade():",
            f"    {upgrade}",
            "",
            "",
            "def downgrade():",
            f"    {downgrade}",
            "",
        ]
        path.write_text("\n".join(lines), encoding="utf-8")
        return path

    return write
