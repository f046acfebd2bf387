"""Fixtures for the tests that run on every dialect: SQLite, PostgreSQL and
MariaDB (see ``database_url`` in the root conftest).
"""

from __future__ import annotations

import textwrap
import typing as t
from pathlib import Path

import pytest
import sqlalchemy as sa

from alembic_envkit import Environment


@pytest.fixture
def engine(
    database_url: t.Callable[[str], sa.URL], make_engine: t.Callable[..., sa.Engine]
) -> sa.Engine:
    """An engine on a fresh database of the test's dialect."""
    return make_engine(database_url("default"))


@pytest.fixture
def make_env(
    database_url: t.Callable[[str], sa.URL], make_env: t.Callable[..., Environment]
) -> t.Callable[..., Environment]:
    """Build environments as ``tests/conftest.py`` does. Through
    ``database_url``, each test that builds one runs on every dialect.
    """
    return make_env


#: The functions of a revision for the databases ``default`` and ``auth``.
MULTIDB_FUNCTIONS = """
def upgrade_default():
    op.create_table("d_{rev}", sa.Column("id", sa.Integer, primary_key=True))


def downgrade_default():
    op.drop_table("d_{rev}")


def upgrade_auth():
    op.create_table("a_{rev}", sa.Column("id", sa.Integer, primary_key=True))
    {fail}


def downgrade_auth():
    op.drop_table("a_{rev}")
"""


class Revisions:
    """Write revision files by hand into a folder."""

    def __init__(self, folder: Path, write_multidb: t.Callable[..., Path]) -> None:
        self.folder = folder
        self._write_multidb = write_multidb

    def write(
        self,
        rev: str,
        down: str | tuple[str, ...] | None,
        upgrade: str = "pass",
        downgrade: str = "pass",
        labels: tuple[str, ...] = (),
    ) -> Path:
        path = self.folder / f"{rev}_step.py"

        def block(code: str) -> str:
            return textwrap.indent(textwrap.dedent(code).strip() or "pass", "    ")

        body = (
            "import sqlalchemy as sa\n"
            "from alembic import op\n\n"
            f"revision = {rev!r}\n"
            f"down_revision = {down!r}\n"
            f"branch_labels = {labels or None!r}\n"
            "depends_on = None\n\n\n"
            f"def upgrade():\n{block(upgrade)}\n\n\n"
            f"def downgrade():\n{block(downgrade)}\n"
        )
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(body)
        return path

    def write_multidb(self, rev: str, down: str | None, fail: str = "") -> Path:
        """Write a revision for the databases ``default`` and ``auth`` that
        creates the tables ``d_<rev>`` and ``a_<rev>``, then runs ``fail`` on
        ``auth``.
        """
        body = MULTIDB_FUNCTIONS.format(rev=rev, fail=fail)
        return self._write_multidb(self.folder, rev, down, body)


@pytest.fixture
def revisions(
    tmp_path: Path, write_multidb_revision: t.Callable[..., Path]
) -> Revisions:
    """Writes revisions into the default migrations folder."""
    return Revisions(tmp_path / "migrations", write_multidb_revision)


def _tables(engine: sa.Engine, schema: str | None = None) -> set[str]:
    return set(sa.inspect(engine).get_table_names(schema=schema))


def _versions(
    engine: sa.Engine, table: str = "alembic_version", schema: str | None = None
) -> set[str]:
    if not sa.inspect(engine).has_table(table, schema=schema):
        return set()

    version = sa.table(table, sa.column("version_num"), schema=schema)

    with engine.connect() as conn:
        return {r[0] for r in conn.execute(sa.select(version.c.version_num))}


@pytest.fixture
def tables() -> t.Callable[..., set[str]]:
    """Names of the tables in an engine's database."""
    return _tables


@pytest.fixture
def versions() -> t.Callable[..., set[str]]:
    """The revision ids recorded in a version table."""
    return _versions
