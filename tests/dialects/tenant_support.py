"""What the tenant tests share: a primary database with tenants, the
history they migrate, and the CLI (see ``conftest.py`` for the fixtures).
"""

from __future__ import annotations

import os
import sqlite3
import typing as t
import uuid
from pathlib import Path

import sqlalchemy as sa

from alembic_envkit import Environment


class Tenancy:
    """A primary database with tenants named ``<prefix>_<n>``, unique to
    the test (MariaDB's databases are the server's), and what they hold.
    """

    def __init__(
        self, url: sa.URL, engine: sa.Engine, folder: Path, count: int
    ) -> None:
        self.url = url
        self.engine = engine
        self.folder = folder
        self.prefix = f"t{uuid.uuid4().hex[:8]}"
        self.names = [self.name(n) for n in range(count)]
        self.made: set[str] = set()

    def name(self, n: int) -> str:
        return f"{self.prefix}_{n}"

    @property
    def dialect(self) -> str:
        """``sqlite``, ``postgresql``, or ``mysql`` for MariaDB too."""
        return self.engine.dialect.name

    def source(self) -> list[str]:
        """The ``tenants`` setting: a copy, so tests may add names."""
        self.made.update(self.names)
        return list(self.names)

    def engine_for(self, tenant: str) -> sa.Engine:
        """A plain engine on the tenant, for looking at it."""
        if self.dialect == "sqlite":
            return sa.create_engine(f"sqlite:///{self.folder / tenant}.sqlite")

        if self.dialect == "postgresql":
            return self.engine

        return sa.create_engine(self.url.set(database=tenant))

    def schema(self, tenant: str) -> str | None:
        return tenant if self.dialect == "postgresql" else None

    def tables(self, tenant: str) -> set[str]:
        engine = self.engine_for(tenant)
        names = sa.inspect(engine).get_table_names(schema=self.schema(tenant))
        self._done(engine)
        return set(names)

    def versions(self, tenant: str) -> list[str]:
        return self.rows(tenant, "SELECT version_num FROM {}alembic_version")

    def rows(self, tenant: str, sql: str) -> list[t.Any]:
        engine = self.engine_for(tenant)
        prefix = f'"{tenant}".' if self.dialect == "postgresql" else ""

        try:
            with engine.connect() as conn:
                return [r[0] for r in conn.exec_driver_sql(sql.format(prefix))]
        finally:
            self._done(engine)

    def execute(self, tenant: str, sql: str) -> None:
        engine = self.engine_for(tenant)
        prefix = f'"{tenant}".' if self.dialect == "postgresql" else ""

        try:
            with engine.begin() as conn:
                conn.exec_driver_sql(sql.format(prefix))
        finally:
            self._done(engine)

    def _done(self, engine: sa.Engine) -> None:
        if engine is not self.engine:
            engine.dispose()

    def drop(self) -> None:
        """Drop the MariaDB databases the test's tenants made."""
        if self.dialect != "mysql":
            return

        with self.engine.connect() as conn:
            for name in self.made:
                conn.exec_driver_sql(f"DROP DATABASE IF EXISTS `{name}`")


def write_history(revisions: t.Any) -> None:
    """r1 (table ``account``) and r2 (a unique index on its email)."""
    revisions.write(
        "r1",
        None,
        """
        op.create_table(
            "account",
            sa.Column("id", sa.Integer, primary_key=True),
            sa.Column("email", sa.String(50)),
        )
        """,
        "op.drop_table('account')",
    )
    revisions.write(
        "r2",
        "r1",
        "op.create_index('account_email', 'account', ['email'], unique=True)",
        "op.drop_index('account_email', 'account')",
    )


def invoke(env: Environment, *args: str) -> t.Any:
    from click.testing import CliRunner

    from alembic_envkit import make_group

    return CliRunner().invoke(make_group(lambda: env), list(args))


def run_script(found: Tenancy, tenant: str, script: str) -> None:
    """Run an offline script as its reader would: on SQLite, on the
    tenant's file; on the servers, on the primary's database.
    """
    if found.dialect == "sqlite":
        with sqlite3.connect(found.folder / f"{tenant}.sqlite") as conn:
            conn.executescript(script)

        return

    lines = [x for x in script.splitlines() if not x.startswith("--")]

    with found.engine.connect() as conn:
        for statement in "\n".join(lines).split(";\n"):
            if statement.strip():
                conn.exec_driver_sql(statement)

        conn.commit()


def contract_r3(revisions: t.Any) -> None:
    """Add r3, a contract revision after r2 that drops the email column's
    index, to the history of ``tenant_env``.
    """
    path: Path = revisions.write(
        "r3",
        "r2",
        "op.drop_index('account_email', 'account')",
        "op.create_index('account_email', 'account', ['email'], unique=True)",
    )
    text = path.read_text()
    path.write_text(
        text.replace("depends_on = None\n", "depends_on = None\nphase = 'contract'\n")
    )


#: The async driver of each dialect.
ASYNC_DRIVERS = {
    "sqlite": "sqlite+aiosqlite",
    "postgresql": "postgresql+asyncpg",
    "mariadb": "mysql+aiomysql",
}


def account_models() -> sa.MetaData:
    """The models of r1 and r2: ``account`` with a unique index on email."""
    metadata = sa.MetaData()
    sa.Table(
        "account",
        metadata,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("email", sa.String(50)),
        sa.Index("account_email", "email", unique=True),
    )
    return metadata


def open_on(path: Path) -> int:
    """How many of this process's descriptors are open on ``path``
    (Linux: ``/proc/self/fd``).
    """
    fds = Path("/proc/self/fd")
    real = os.path.realpath(path)
    return sum(os.path.realpath(fds / fd) == real for fd in os.listdir(fds))
