"""Offline SQL scripts, applied with each database's own command-line client
(``sqlite3``, ``psql``, ``mariadb``) to an empty database, leave the same
schema, data and version rows as an online upgrade.
"""

from __future__ import annotations

import importlib.metadata
import os
import re
import shutil
import subprocess
import typing as t
from pathlib import Path

import pytest
import sqlalchemy as sa
from packaging.version import Version

from alembic_envkit import Environment

Tables: t.TypeAlias = t.Callable[..., set[str]]

#: Before Alembic 1.19, an offline downgrade or stamp to base ended with
#: ``DROP TABLE alembic_version``, which online never runs (Alembic's
#: changelog, ticket 1822).
OFFLINE_DROPS_VERSION_TABLE = Version(importlib.metadata.version("alembic")) < Version(
    "1.19"
)


@pytest.fixture
def history(revisions: t.Any) -> None:
    """base -> a -> (b, c) -> m, a branch point at a and a merge at m, and
    an independent branch ``audit`` with one revision x1. Revision c inserts
    a row and reads data only when online.
    """
    revisions.write(
        "a",
        None,
        """
        op.create_table(
            "author",
            sa.Column("id", sa.Integer, primary_key=True),
            sa.Column("name", sa.String(50), nullable=False),
        )
        op.create_index("ix_author_name", "author", ["name"])
        """,
        "op.drop_table('author')",
    )
    revisions.write(
        "b",
        "a",
        """
        op.create_table(
            "book",
            sa.Column("id", sa.Integer, primary_key=True),
            sa.Column("author_id", sa.Integer, sa.ForeignKey("author.id")),
            sa.Column("title", sa.String(100)),
        )
        op.create_index("ix_book_author_id", "book", ["author_id"])
        """,
        "op.drop_table('book')",
    )
    revisions.write(
        "c",
        "a",
        """
        from alembic import context

        op.add_column("author", sa.Column("email", sa.String(100)))
        op.create_index("ix_author_email", "author", ["email"], unique=True)
        author = sa.table(
            "author",
            sa.column("id", sa.Integer),
            sa.column("name", sa.String),
            sa.column("email", sa.String),
        )

        if not context.is_offline_mode():
            count = sa.select(sa.func.count()).select_from(author)
            assert op.get_bind().execute(count).scalar() == 0

        op.execute(author.insert().values(id=1, name="O'Brien", email="ob@example.org"))
        """,
        """
        op.drop_index("ix_author_email", "author")
        op.drop_column("author", "email")
        """,
    )
    revisions.write(
        "m",
        ("b", "c"),
        """
        op.add_column(
            "book",
            sa.Column("pages", sa.Integer, nullable=False, server_default="0"),
        )
        """,
        "op.drop_column('book', 'pages')",
    )
    revisions.write(
        "x1",
        None,
        """
        op.create_table(
            "audit_log",
            sa.Column("id", sa.Integer, primary_key=True),
            sa.Column("note", sa.Text),
        )
        """,
        "op.drop_table('audit_log')",
        labels=("audit",),
    )


def apply(url: sa.URL, script: str) -> None:
    """Run a script with the database's command-line client, stopping at the
    first error.
    """
    backend = url.get_backend_name()
    env = dict(os.environ)

    if backend == "sqlite":
        command = ["sqlite3", "-bail", str(url.database)]
    elif backend == "postgresql":
        command = ["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1"]
        command += ["-h", str(url.host), "-p", str(url.port or 5432)]
        command += ["-U", str(url.username), "-d", str(url.database)]
        env["PGPASSWORD"] = url.password or ""
    else:
        command = ["mariadb", "-h", str(url.host), "-P", str(url.port or 3306)]
        command += ["-u", str(url.username), str(url.database)]
        env["MYSQL_PWD"] = url.password or ""

    result = subprocess.run(
        command, input=script, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, f"{result.stderr}\n{script}"


def schema(engine: sa.Engine) -> dict[str, t.Any]:
    """Tables, columns, keys, indexes and foreign keys, as inspected."""
    inspector = sa.inspect(engine)
    result = {}

    for table in sorted(inspector.get_table_names()):
        result[table] = {
            "columns": [
                (c["name"], str(c["type"]), c["nullable"], c.get("default"))
                for c in inspector.get_columns(table)
            ],
            "primary key": inspector.get_pk_constraint(table)["constrained_columns"],
            "indexes": sorted(
                (i["name"], tuple(i["column_names"]), bool(i["unique"]))
                for i in inspector.get_indexes(table)
            ),
            "foreign keys": sorted(
                (
                    tuple(fk["constrained_columns"]),
                    fk["referred_table"],
                    tuple(fk["referred_columns"]),
                )
                for fk in inspector.get_foreign_keys(table)
            ),
        }

    return result


def rows(engine: sa.Engine) -> list[tuple[t.Any, ...]]:
    """The rows of the ``author`` table."""
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(sa.text("SELECT * FROM author"))]


@pytest.fixture
def online(
    database_url: t.Callable[[str], sa.URL], make_engine: t.Callable[..., sa.Engine]
) -> sa.Engine:
    """An engine on the database ``online``, migrated by running revisions."""
    return make_engine(database_url("online"))


@pytest.fixture
def online_env(
    history: None, make_env: t.Callable[..., Environment], online: sa.Engine
) -> Environment:
    """An environment on ``online``, upgraded to heads."""
    env = make_env(sa.MetaData(), online)
    env.upgrade()
    return env


#: The command-line client that applies scripts, by backend.
CLIENTS = {
    "sqlite": "sqlite3",
    "postgresql": "psql",
    "mysql": "mariadb",
    "mariadb": "mariadb",
}


@pytest.fixture
def offline_url(
    database_url: t.Callable[[str], sa.URL],
    unavailable: t.Callable[[str], t.NoReturn],
) -> sa.URL:
    """The URL of the database ``offline``, migrated by applying scripts
    with the database's command-line client, which must be installed.
    """
    url = database_url("offline")
    client = CLIENTS[url.get_backend_name()]

    if shutil.which(client) is None:
        unavailable(f"The {client} client is not installed.")

    return url


@pytest.fixture
def offline(offline_url: sa.URL, make_engine: t.Callable[..., sa.Engine]) -> sa.Engine:
    """An engine on the database ``offline``."""
    return make_engine(offline_url)


@pytest.fixture
def offline_env(
    history: None, make_env: t.Callable[..., Environment], offline: sa.Engine
) -> Environment:
    """An environment on ``offline``, which writes the scripts."""
    return make_env(sa.MetaData(), offline)


@pytest.mark.usefixtures("online_env")
def test_script_matches_online_upgrade(
    offline_env: Environment,
    offline_url: sa.URL,
    offline: sa.Engine,
    online: sa.Engine,
    versions: Tables,
) -> None:
    """The script of an upgrade to heads, from an empty database, leaves what
    an online upgrade leaves: schema, rows and version rows.
    """
    script = offline_env.upgrade_sql()["default"]

    if offline_url.get_backend_name() == "sqlite":
        assert not Path(str(offline_url.database)).exists()

    apply(offline_url, script)
    assert set(schema(online)) == {"alembic_version", "audit_log", "author", "book"}
    assert schema(offline) == schema(online)
    assert rows(offline) == rows(online) == [(1, "O'Brien", "ob@example.org")]
    assert versions(offline) == versions(online) == {"m", "x1"}


def test_range_scripts_match_online(
    online_env: Environment,
    offline_env: Environment,
    offline_url: sa.URL,
    online: sa.Engine,
    offline: sa.Engine,
    versions: Tables,
    tables: Tables,
) -> None:
    """A database stamped at a named branch's revision and at a takes the
    script of a:heads to where an online upgrade goes, and the script of
    heads:base back to no tables.
    """
    offline_env.upgrade("a")
    offline_env.close()
    apply(offline_url, offline_env.upgrade_sql("a:heads")["default"])
    assert schema(offline) == schema(online)
    assert versions(offline) == {"m", "x1"}

    apply(offline_url, offline_env.downgrade_sql("heads:base")["default"])
    online_env.downgrade("base")
    online_env.close()
    assert tables(online) == {"alembic_version"}
    assert tables(offline) == (
        set() if OFFLINE_DROPS_VERSION_TABLE else {"alembic_version"}
    )
    assert versions(offline) == versions(online) == set()


def test_stamp_script(
    offline_env: Environment,
    offline_url: sa.URL,
    offline: sa.Engine,
    versions: Tables,
    tables: Tables,
) -> None:
    """The script of a stamp records the revisions and creates no other
    table.
    """
    apply(offline_url, offline_env.stamp_sql("audit@head")["default"])
    assert tables(offline) == {"alembic_version"}
    assert versions(offline) == {"x1"}


def _documented_types() -> list[str]:
    """The column types docs/databases.md lists as comparing clean on every
    dialect, as declared there.
    """
    page = Path(__file__).parents[2] / "docs" / "databases.md"
    text = page.read_text().split("These column types compare clean", 1)[1]
    table = text.split("\n\n")[1].splitlines()[2:]
    found = [d for row in table for d in re.findall(r"`([^`]+)`", row.split("|")[2])]
    assert "Uuid" in found and len(found) >= 10, found
    return found


def _server_version(engine: sa.Engine) -> str:
    """The version the server reports, as a user would copy it."""
    query = {
        "sqlite": "SELECT sqlite_version()",
        "postgresql": "SHOW server_version",
    }.get(engine.dialect.name, "SELECT VERSION()")

    with engine.connect() as conn:
        return str(conn.exec_driver_sql(query).scalar())


def test_documented_types_match_online(
    revisions: t.Any,
    make_env: t.Callable[..., Environment],
    online: sa.Engine,
    offline: sa.Engine,
    offline_url: sa.URL,
) -> None:
    """A table with a column of each type the docs list, written offline for
    the server's version, builds the columns an online upgrade builds.
    """
    declared = _documented_types()
    columns = "\n".join(
        f"            sa.Column('c{i}', sa.{d}, nullable=True),"
        for i, d in enumerate(declared)
    )
    revisions.write(
        "types",
        None,
        f"""
        import enum

        class SomePythonEnum(enum.Enum):
            red = "red"
            green = "green"

        op.create_table(
            "item",
            sa.Column("id", sa.Integer, primary_key=True),
{columns}
        )
        """,
        "op.drop_table('item')",
    )
    make_env(sa.MetaData(), online).upgrade()
    context = {"server_version": _server_version(online)}
    script = make_env(sa.MetaData(), offline, context=context).upgrade_sql()["default"]
    apply(offline_url, script)
    assert schema(offline)["item"] == schema(online)["item"]
    assert len(schema(online)["item"]["columns"]) == len(declared) + 1
