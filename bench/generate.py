"""Deterministic synthetic projects for the benchmark.

A project is a folder holding a Flask app (``app.py``, Flask-SQLAlchemy-Lite
and Flask-Alembic), a declarative model module (``models.py``), a migrations
folder, and the floor scripts its cases are compared with. The database file
comes from the ``BENCH_DATABASE`` environment variable, so one project serves
several databases (a history upgraded once for ``heads``/``current``, a fresh
file for each ``upgrade``).

Revision files are written directly as text, in the format the ``revision``
command writes (Alembic's ``generic`` template, with the operations rendered
as autogenerate renders them on SQLite), which is much faster than running
the command thousands of times.
"""

from __future__ import annotations

import os
import re
import shutil
import typing as t
from importlib.util import find_spec
from pathlib import Path

APP = '''\
"""Benchmark app: Flask-SQLAlchemy-Lite engines, metadata from models.py."""

import os

from flask import Flask
from flask_sqlalchemy_lite import SQLAlchemy

from flask_alembic import Alembic
from models import Model

db = SQLAlchemy()
alembic = Alembic(metadatas=Model.metadata)

app = Flask(__name__)
app.config["SQLALCHEMY_ENGINES"] = {
    "default": os.environ.get("BENCH_URL")
    or "sqlite:///" + os.environ["BENCH_DATABASE"]
}

# The benchmark's revision ids (see rev_id), for verify.
app.config["ALEMBIC"] = {"revision_id_pattern": "r[0-9a-f]{11}"}

if "BENCH_TRANSACTION_MODE" in os.environ:
    app.config["ALEMBIC"]["transaction_mode"] = os.environ["BENCH_TRANSACTION_MODE"]

if "BENCH_LEDGER" in os.environ:
    app.config["ALEMBIC"]["ledger_table"] = True

db.init_app(app)
alembic.init_app(app)
'''

MODELS_HEADER = """\
\"\"\"Benchmark models.\"\"\"

import datetime
import decimal

import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column


class Model(DeclarativeBase):
    pass
"""

SMALL_MODEL = """

class User(Model):
    __tablename__ = "user"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(80))
"""

TABLE_MODEL = """

class {cls}(Model):
    __tablename__ = "{name}"
    __table_args__ = (sa.Index("ix_{name}_name_created", "name", "created"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(80), index=True)
    email: Mapped[str] = mapped_column(sa.String(120), unique=True)
    created: Mapped[datetime.datetime] = mapped_column(sa.DateTime)
    amount: Mapped[decimal.Decimal | None] = mapped_column(sa.Numeric(10, 2))
    active: Mapped[bool] = mapped_column(sa.Boolean, server_default=sa.text("1"))
    notes: Mapped[str | None] = mapped_column(sa.Text)
    parent_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("{parent}.id"), index=True
    )
"""

#: The start-up floor: a bare process importing what the app's stack needs.
STARTUP_FLOOR = "import flask, sqlalchemy, alembic"

#: The autogenerate floor: the same MetaData (the same models module),
#: compared by Alembic's own compare_metadata, with the comparisons the
#: environment turns on by default (types and server defaults).
COMPARE_FLOOR = '''\
"""Floor: alembic.autogenerate.compare_metadata called directly."""

import os

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from models import Model

engine = sa.create_engine("sqlite:///" + os.environ["BENCH_DATABASE"])

with engine.connect() as conn:
    context = MigrationContext.configure(
        conn, opts={"compare_type": True, "compare_server_default": True}
    )
    diffs = compare_metadata(context, Model.metadata)

engine.dispose()
print(len(diffs))
'''

#: The upgrade floor: the same statements as the history's revisions, built
#: with plain SQLAlchemy, in one connection and one transaction. pysqlite
#: would otherwise run each DDL statement in a transaction of its own (one
#: fsync each), which is not what an upgrade does, so this uses SQLAlchemy's
#: documented recipe for an explicit BEGIN, as the environment does.
DDL_FLOOR = '''\
"""Floor: the DDL of {count} revisions with plain SQLAlchemy, in one
transaction, or with BENCH_FLOOR_COMMITS=revision in one transaction per
revision, as many commits as an upgrade in "revision" mode.
"""

import os

import sqlalchemy as sa

engine = sa.create_engine("sqlite:///" + os.environ["BENCH_DATABASE"])


@sa.event.listens_for(engine, "connect")
def _connect(dbapi_connection, record):
    dbapi_connection.isolation_level = None


@sa.event.listens_for(engine, "begin")
def _begin(conn):
    conn.exec_driver_sql("BEGIN")


def statements():
    metadata = sa.MetaData()
    tables = {{}}

    for i in range({count}):
        kind = i % 3

        if kind == 0:
            name = f"t{{i:05d}}"
            columns = [
                sa.Column("id", sa.Integer(), nullable=False),
                sa.Column("name", sa.String(length=50), nullable=False),
                sa.Column("created", sa.DateTime(), nullable=True),
            ]
            constraints = [sa.PrimaryKeyConstraint("id")]

            if i >= 3:
                parent = f"t{{i - 3:05d}}"
                columns.append(sa.Column("parent_id", sa.Integer(), nullable=True))
                constraints.insert(
                    0, sa.ForeignKeyConstraint(["parent_id"], [f"{{parent}}.id"])
                )

            tables[name] = sa.Table(name, metadata, *columns, *constraints)
            yield sa.schema.CreateTable(tables[name])
        elif kind == 1:
            name = f"t{{i - 1:05d}}"
            yield sa.DDL(f"ALTER TABLE {{name}} ADD COLUMN extra VARCHAR(40)")
        else:
            name = f"t{{i - 2:05d}}"
            yield sa.schema.CreateIndex(
                sa.Index(f"ix_{{name}}_name", tables[name].c.name)
            )


if os.environ.get("BENCH_FLOOR_COMMITS") == "revision":
    with engine.connect() as conn:
        for statement in statements():
            with conn.begin():
                conn.execute(statement)
else:
    with engine.begin() as conn:
        for statement in statements():
            conn.execute(statement)

engine.dispose()
'''

REVISION = '''\
"""{message}

Revision ID: {rev}
Revises: {down_text}
Create Date: {date}

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = {rev!r}
down_revision: Union[str, Sequence[str], None] = {down!r}
branch_labels: Union[str, Sequence[str], None] = {labels!r}
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    # ### commands auto generated by Alembic - please adjust! ###
{upgrade}
    # ### end Alembic commands ###


def downgrade() -> None:
    """Downgrade schema."""
    # ### commands auto generated by Alembic - please adjust! ###
{downgrade}
    # ### end Alembic commands ###
'''


def rev_id(i: int) -> str:
    """Revision id number ``i``: deterministic, sorts in order, and never
    all digits (an all-digit id reads like a step count).
    """
    return f"r{i:011x}"


def write_app(folder: Path, models: str) -> None:
    """Write ``app.py`` and ``models.py`` into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "app.py").write_text(APP)
    (folder / "models.py").write_text(models)


def small_models() -> str:
    """A model module with one small table."""
    return MODELS_HEADER + SMALL_MODEL


def table_models(count: int) -> str:
    """A model module with ``count`` tables of 8 columns each, every one with
    a foreign key to the one before (the first to itself), a unique
    constraint, and three indexes.
    """
    parts = [MODELS_HEADER]

    for j in range(count):
        name = f"t{j:04d}"
        parent = f"t{max(j - 1, 0):04d}"
        parts.append(TABLE_MODEL.format(cls=f"T{j:04d}", name=name, parent=parent))

    return "".join(parts)


def write_history(folder: Path, count: int) -> list[str]:
    """Write a linear history of ``count`` revisions into
    ``folder/migrations``, with Alembic's ``generic`` template beside them.
    Each revision runs one DDL statement: create a table (with a foreign key
    to an earlier one), add a column to it, or index it, in turn.

    :return: The revision ids, oldest first.
    """
    migrations = folder / "migrations"
    migrations.mkdir(parents=True, exist_ok=True)
    spec = find_spec("alembic")
    assert spec is not None and spec.origin is not None
    template = Path(spec.origin).parent / "templates" / "generic"
    shutil.copyfile(template / "script.py.mako", migrations / "script.py.mako")
    ids = [rev_id(i) for i in range(count)]

    for i, rev in enumerate(ids):
        message, upgrade, downgrade = _operations(i)
        down = ids[i - 1] if i else None
        text = REVISION.format(
            message=message,
            rev=rev,
            down=down,
            down_text=down or "",
            labels=("default",) if i == 0 else (),
            date=f"2026-01-01 00:00:{i % 60:02d}.{i:06d}",
            upgrade=upgrade,
            downgrade=downgrade,
        )
        slug = re.sub(r"\W+", "_", message).strip("_")
        (migrations / f"{rev}_{slug}.py").write_text(text)

    return ids


def write_ddl_floor(folder: Path, count: int) -> Path:
    """Write the plain-SQLAlchemy script running the DDL of ``count``
    revisions of :func:`write_history`.
    """
    path = folder / f"floor_ddl_{count}.py"
    path.write_text(DDL_FLOOR.format(count=count))
    return path


def write_compare_floor(folder: Path) -> Path:
    """Write the script calling ``compare_metadata`` on ``models.py``."""
    path = folder / "floor_compare.py"
    path.write_text(COMPARE_FLOOR)
    return path


def clear_revisions(folder: Path) -> None:
    """Remove every revision file (and compiled file) from
    ``folder/migrations``, keeping the template.
    """
    migrations = folder / "migrations"

    for path in migrations.glob("*.py"):
        path.unlink()

    shutil.rmtree(migrations / "__pycache__", ignore_errors=True)


def remove_database(path: Path) -> None:
    """Remove an SQLite file and its journal, if they exist."""
    for suffix in ("", "-journal", "-wal", "-shm"):
        try:
            os.unlink(f"{path}{suffix}")
        except FileNotFoundError:
            pass


def _operations(i: int) -> tuple[str, str, str]:
    """Message, upgrade body and downgrade body of revision ``i``."""
    kind = i % 3

    if kind == 0:
        name = f"t{i:05d}"
        columns = [
            "    sa.Column('id', sa.Integer(), nullable=False),",
            "    sa.Column('name', sa.String(length=50), nullable=False),",
            "    sa.Column('created', sa.DateTime(), nullable=True),",
        ]
        constraints = ["    sa.PrimaryKeyConstraint('id')"]

        if i >= 3:
            parent = f"t{i - 3:05d}"
            columns.append("    sa.Column('parent_id', sa.Integer(), nullable=True),")
            constraints.insert(
                0, f"    sa.ForeignKeyConstraint(['parent_id'], ['{parent}.id'], ),"
            )

        upgrade = "\n".join(
            [f"    op.create_table('{name}',", *columns, *constraints, "    )"]
        )
        return f"create {name}", upgrade, f"    op.drop_table('{name}')"

    if kind == 1:
        name = f"t{i - 1:05d}"
        upgrade = (
            f"    with op.batch_alter_table('{name}', schema=None) as batch_op:\n"
            "        batch_op.add_column(sa.Column('extra', sa.String(length=40),"
            " nullable=True))\n"
        )
        downgrade = (
            f"    with op.batch_alter_table('{name}', schema=None) as batch_op:\n"
            "        batch_op.drop_column('extra')\n"
        )
        return f"add {name} extra", upgrade, downgrade

    name = f"t{i - 2:05d}"
    upgrade = (
        f"    with op.batch_alter_table('{name}', schema=None) as batch_op:\n"
        f"        batch_op.create_index(batch_op.f('ix_{name}_name'), ['name'],"
        " unique=False)\n"
    )
    downgrade = (
        f"    with op.batch_alter_table('{name}', schema=None) as batch_op:\n"
        f"        batch_op.drop_index(batch_op.f('ix_{name}_name'))\n"
    )
    return f"index {name} name", upgrade, downgrade


def schema(path: Path) -> list[tuple[t.Any, ...]]:
    """The schema of an SQLite file, without Alembic's version table."""
    import sqlite3

    with sqlite3.connect(path) as conn:
        rows = conn.execute(
            "SELECT type, name, tbl_name, sql FROM sqlite_master"
            " WHERE tbl_name != 'alembic_version' ORDER BY type, name"
        ).fetchall()

    conn.close()
    return rows
