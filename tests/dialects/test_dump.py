"""Dumping a database to SQL and loading the dump into an empty database, on
every dialect: the loaded database holds the same schema and rows, and
dumps to the same text, byte for byte.
"""

from __future__ import annotations

import asyncio
import datetime
import typing as t
from decimal import Decimal
from pathlib import Path

import pytest
import sqlalchemy as sa

from alembic_envkit import ConfigurationError
from alembic_envkit.snapshot._dump import dump
from alembic_envkit.snapshot._load import load

if t.TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncEngine

#: The dialects whose dumps are tested.
DUMPED = ["sqlite", "postgresql", "mariadb"]
#: Those whose DDL is transactional.
TRANSACTIONAL = [d for d in DUMPED if d != "mariadb"]

#: A schema as migrations build it, per dialect: foreign keys in both
#: directions, server defaults, an enum, unique and check constraints, an
#: index, a view and a view on it (named to sort before it), a trigger, a
#: table without a primary key, the version table and a ledger.
SCHEMAS = {
    "sqlite": [
        """CREATE TABLE author (
            id INTEGER NOT NULL PRIMARY KEY,
            name VARCHAR(50) NOT NULL,
            status VARCHAR(8) DEFAULT 'active' NOT NULL
                CONSTRAINT ck_author_status CHECK (status IN ('active', 'retired')),
            rating NUMERIC(4, 2) CONSTRAINT ck_author_rating CHECK (rating >= 0),
            favourite_book_id INTEGER
                CONSTRAINT fk_author_favourite_book REFERENCES book (id),
            CONSTRAINT uq_author_name UNIQUE (name)
        )""",
        """CREATE TABLE book (
            id INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
            author_id INTEGER NOT NULL REFERENCES author (id),
            title VARCHAR(200) DEFAULT 'untitled' NOT NULL,
            price NUMERIC(10, 2),
            published DATE
        )""",
        "CREATE INDEX ix_book_title ON book (title)",
        "CREATE TABLE audit (id INTEGER PRIMARY KEY, book_id INTEGER, note TEXT)",
        "CREATE TABLE tag (name VARCHAR(20), weight FLOAT)",
        """CREATE TABLE alembic_version (
            version_num VARCHAR(32) NOT NULL,
            CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num)
        )""",
        "CREATE TABLE ledger (id INTEGER PRIMARY KEY, revision VARCHAR(32))",
        """CREATE VIEW book_list AS
            SELECT a.name AS author, b.title AS title
            FROM author AS a JOIN book AS b ON b.author_id = a.id""",
        """CREATE VIEW author_counts AS
            SELECT author, count(*) AS books FROM book_list GROUP BY author""",
        """CREATE TRIGGER book_audit AFTER INSERT ON book
        BEGIN
            INSERT INTO audit (book_id, note)
            VALUES (new.id, CASE WHEN new.price IS NULL THEN 'free; ' ELSE '' END
                || new.title);
        END""",
    ],
    "postgresql": [
        "CREATE TYPE author_status AS ENUM ('active', 'retired')",
        "CREATE SEQUENCE invoice_number_seq START 1000 INCREMENT 10",
        """CREATE TABLE author (
            id SERIAL PRIMARY KEY,
            name VARCHAR(50) NOT NULL,
            status author_status DEFAULT 'active' NOT NULL,
            rating NUMERIC(4, 2) CONSTRAINT ck_author_rating CHECK (rating >= 0),
            favourite_book_id INTEGER,
            CONSTRAINT uq_author_name UNIQUE (name)
        )""",
        """CREATE TABLE book (
            id SERIAL PRIMARY KEY,
            author_id INTEGER NOT NULL REFERENCES author (id),
            title VARCHAR(200) DEFAULT 'untitled' NOT NULL,
            price NUMERIC(10, 2),
            published DATE,
            invoice BIGINT DEFAULT nextval('invoice_number_seq'),
            doubled INTEGER GENERATED ALWAYS AS (id * 2) STORED
        )""",
        """ALTER TABLE author ADD CONSTRAINT fk_author_favourite_book
            FOREIGN KEY (favourite_book_id) REFERENCES book (id)""",
        "CREATE INDEX ix_book_title ON book (title) WHERE price IS NOT NULL",
        "CREATE TABLE audit (id SERIAL PRIMARY KEY, book_id INTEGER, note TEXT)",
        "CREATE TABLE tag (name VARCHAR(20), weight FLOAT)",
        """CREATE TABLE alembic_version (
            version_num VARCHAR(32) NOT NULL,
            CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num)
        )""",
        "CREATE TABLE ledger (id INTEGER PRIMARY KEY, revision VARCHAR(32))",
        """CREATE VIEW book_list AS
            SELECT a.name AS author, b.title AS title
            FROM author AS a JOIN book AS b ON b.author_id = a.id""",
        """CREATE VIEW author_counts AS
            SELECT author, count(*) AS books FROM book_list GROUP BY author""",
        """CREATE FUNCTION book_audit() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            INSERT INTO audit (book_id, note)
            VALUES (NEW.id, CASE WHEN NEW.price IS NULL THEN 'free; ' ELSE '' END
                || NEW.title);
            RETURN NEW;
        END
        $$""",
        """CREATE TRIGGER book_audit AFTER INSERT ON book
            FOR EACH ROW EXECUTE FUNCTION book_audit()""",
    ],
    "mariadb": [
        """CREATE TABLE author (
            id INTEGER NOT NULL AUTO_INCREMENT PRIMARY KEY,
            name VARCHAR(50) NOT NULL,
            status ENUM('active', 'retired') DEFAULT 'active' NOT NULL,
            rating NUMERIC(4, 2),
            favourite_book_id INTEGER,
            CONSTRAINT uq_author_name UNIQUE (name),
            CONSTRAINT ck_author_rating CHECK (rating >= 0)
        )""",
        """CREATE TABLE book (
            id INTEGER NOT NULL AUTO_INCREMENT PRIMARY KEY,
            author_id INTEGER NOT NULL,
            title VARCHAR(200) DEFAULT 'untitled' NOT NULL,
            price NUMERIC(10, 2),
            published DATE,
            doubled INTEGER AS (author_id * 2) PERSISTENT,
            FOREIGN KEY (author_id) REFERENCES author (id)
        )""",
        """ALTER TABLE author ADD CONSTRAINT fk_author_favourite_book
            FOREIGN KEY (favourite_book_id) REFERENCES book (id)""",
        "CREATE INDEX ix_book_title ON book (title)",
        "CREATE TABLE audit (id INTEGER AUTO_INCREMENT PRIMARY KEY, book_id INTEGER,"
        " note TEXT)",
        "CREATE TABLE tag (name VARCHAR(20), weight FLOAT)",
        """CREATE TABLE alembic_version (
            version_num VARCHAR(32) NOT NULL,
            CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num)
        )""",
        "CREATE TABLE ledger (id INTEGER PRIMARY KEY, revision VARCHAR(32))",
        """CREATE VIEW book_list AS
            SELECT a.name AS author, b.title AS title
            FROM author AS a JOIN book AS b ON b.author_id = a.id""",
        """CREATE VIEW author_counts AS
            SELECT author, count(*) AS books FROM book_list GROUP BY author""",
        """CREATE TRIGGER book_audit AFTER INSERT ON book FOR EACH ROW
        BEGIN
            IF NEW.price IS NULL THEN
                INSERT INTO audit (book_id, note)
                VALUES (NEW.id, CONCAT('free; ', NEW.title));
            ELSE
                INSERT INTO audit (book_id, note) VALUES (NEW.id, NEW.title);
            END IF;
        END""",
    ],
}

author = sa.table(
    "author",
    sa.column("id", sa.Integer),
    sa.column("name", sa.String),
    sa.column("status"),
    sa.column("rating", sa.Numeric(4, 2)),
    sa.column("favourite_book_id", sa.Integer),
)
book = sa.table(
    "book",
    sa.column("id", sa.Integer),
    sa.column("author_id", sa.Integer),
    sa.column("title", sa.String),
    sa.column("price", sa.Numeric(10, 2)),
    sa.column("published", sa.Date),
)
tag = sa.table("tag", sa.column("name", sa.String), sa.column("weight", sa.Float))
version = sa.table("alembic_version", sa.column("version_num", sa.String))
ledger = sa.table("ledger", sa.column("id", sa.Integer), sa.column("revision"))

#: Every table, with the columns to order its rows by.
TABLES = {
    "alembic_version": ["version_num"],
    "audit": ["id"],
    "author": ["id"],
    "book": ["id"],
    "ledger": ["id"],
    "tag": ["name", "weight"],
}

#: Queries that show the state of a loading session.
SESSION = {
    "sqlite": ["PRAGMA defer_foreign_keys", "PRAGMA foreign_keys"],
    "postgresql": [
        "SHOW search_path",
        "SHOW check_function_bodies",
        "SHOW standard_conforming_strings",
        "SHOW default_tablespace",
        "SHOW row_security",
    ],
    "mariadb": [
        "SELECT @@foreign_key_checks",
        "SELECT @@sql_mode",
        "SELECT @@time_zone",
    ],
}


def _build(engine: sa.Engine, dialect: str) -> None:
    """Build the schema and fill it with awkward rows; inserting books fires
    the trigger, which writes the audit rows.
    """
    with engine.begin() as conn:
        for statement in SCHEMAS[dialect]:
            conn.exec_driver_sql(statement)

        name = 'O\'Brien; "Flann"'
        conn.execute(author.insert().values(id=1, name=name, status="retired"))
        # The status from the server default.
        name = "Zoë 北京 \\ 100% \n -- not a comment"
        conn.execute(author.insert().values(id=2, name=name))
        # Out of key order: the dump puts them back in it.
        conn.execute(
            book.insert(),
            [
                {
                    "id": 3,
                    "author_id": 2,
                    "title": "untitled",
                    "price": Decimal("0.10"),
                    "published": datetime.date(2000, 2, 29),
                },
                {
                    "id": 1,
                    "author_id": 1,
                    "title": "At Swim-Two-Birds",
                    "price": Decimal("12.99"),
                    "published": datetime.date(1939, 3, 13),
                },
                {
                    "id": 2,
                    "author_id": 1,
                    "title": "/* it's */ ; END; $$",
                    "price": None,
                    "published": None,
                },
            ],
        )
        values = {"favourite_book_id": 2, "rating": Decimal("4.50")}
        conn.execute(author.update().where(author.c.id == 1).values(values))
        rows = [("b", 1.5), ("a", None), ("a", 2.25), (None, -0.125)]
        conn.execute(tag.insert(), [{"name": n, "weight": w} for n, w in rows])
        conn.execute(version.insert().values(version_num="1a2b3c"))
        conn.execute(ledger.insert().values(id=1, revision="1a2b3c"))


def _triggers(conn: sa.Connection, dialect: str) -> list[tuple[t.Any, ...]]:
    if dialect == "sqlite":
        query = "SELECT name, tbl_name FROM sqlite_master WHERE type = 'trigger'"
    elif dialect == "postgresql":
        query = (
            "SELECT tgname, tgrelid::regclass::text, tgtype FROM pg_trigger"
            " WHERE NOT tgisinternal ORDER BY tgname"
        )
    else:
        query = (
            "SELECT trigger_name, event_object_table, action_timing,"
            " event_manipulation FROM information_schema.triggers"
            " WHERE trigger_schema = DATABASE()"
        )

    return sorted(tuple(row) for row in conn.exec_driver_sql(query))


def _describe(engine: sa.Engine, dialect: str) -> dict[str, t.Any]:
    """What a database holds: its tables with their columns, keys,
    constraints and indexes, its views, triggers and rows, and the rows its
    views show.
    """
    insp = sa.inspect(engine)
    quote = engine.dialect.identifier_preparer.quote
    found: dict[str, t.Any] = {
        "tables": sorted(insp.get_table_names()),
        "views": sorted(insp.get_view_names()),
    }

    if dialect == "postgresql":
        found["sequences"] = sorted(insp.get_sequence_names())
        found["enums"] = insp.get_enums()

    for table in found["tables"]:
        found[table] = {
            "columns": [
                (c["name"], repr(c["type"]), c["nullable"], c["default"])
                for c in insp.get_columns(table)
            ],
            "pk": insp.get_pk_constraint(table),
            "fks": sorted(insp.get_foreign_keys(table), key=repr),
            "unique": sorted(insp.get_unique_constraints(table), key=repr),
            "checks": sorted(insp.get_check_constraints(table), key=repr),
            "indexes": sorted(insp.get_indexes(table), key=repr),
        }

    with engine.connect() as conn:
        found["triggers"] = _triggers(conn, dialect)

        for table, key in TABLES.items():
            order = ", ".join(quote(name) for name in key)
            query = f"SELECT * FROM {quote(table)} ORDER BY {order}"
            found[f"{table} rows"] = [tuple(r) for r in conn.exec_driver_sql(query)]

        for view in found["views"]:
            rows = conn.exec_driver_sql(f"SELECT * FROM {quote(view)}")
            found[f"{view} rows"] = sorted((tuple(r) for r in rows), key=repr)

    return found


def _session(conn: sa.Connection, dialect: str) -> list[t.Any]:
    return [conn.exec_driver_sql(query).scalar() for query in SESSION[dialect]]


def _load(engine: sa.Engine, dialect: str, sql: str) -> None:
    """Load a dump in one transaction, with foreign keys enforced on SQLite,
    and check that the session's settings are as they were, in the
    transaction and after it.
    """
    with engine.connect() as conn:
        if dialect == "sqlite":
            conn.exec_driver_sql("PRAGMA foreign_keys = ON")
            conn.commit()

        before = _session(conn, dialect)
        conn.rollback()

        with conn.begin():
            load(conn, sql)
            assert _session(conn, dialect) == before

        assert _session(conn, dialect) == before


def _dump(engine: sa.Engine, **kwargs: t.Any) -> str:
    with engine.connect() as conn:
        return dump(conn, **kwargs)


@pytest.mark.parametrize("dialect", DUMPED, indirect=True)
def test_round_trip(
    dialect: str,
    database_url: t.Callable[[str], sa.URL],
    make_engine: t.Callable[..., sa.Engine],
) -> None:
    """A dump loaded into an empty database rebuilds the same schema and
    rows without firing triggers, and dumps to the same text.
    """
    first = make_engine(database_url("first"))
    second = make_engine(database_url("second"))
    _build(first, dialect)
    text = _dump(first)
    _load(second, dialect, text)

    assert _describe(second, dialect) == _describe(first, dialect)
    assert _dump(first) == text
    assert _dump(second) == text


@pytest.mark.parametrize("dialect", DUMPED, indirect=True)
def test_same_build_same_dump(
    dialect: str,
    database_url: t.Callable[[str], sa.URL],
    make_engine: t.Callable[..., sa.Engine],
) -> None:
    """Two databases built by the same statements dump to the same text."""
    first = make_engine(database_url("first"))
    second = make_engine(database_url("second"))
    _build(first, dialect)
    _build(second, dialect)

    assert _dump(second) == _dump(first)


#: The name of the default schema, by dialect; ``None``: the database's.
DEFAULT_SCHEMA = {"sqlite": "main", "postgresql": "public", "mariadb": None}


@pytest.mark.parametrize("dialect", DUMPED, indirect=True)
def test_named_schema(
    dialect: str,
    database_url: t.Callable[[str], sa.URL],
    make_engine: t.Callable[..., sa.Engine],
) -> None:
    """A dump of a schema named explicitly loads into an empty database and
    rebuilds what a dump of the default schema does.
    """
    first_url = database_url("first")
    first = make_engine(first_url)
    second = make_engine(database_url("second"))
    _build(first, dialect)
    schema = DEFAULT_SCHEMA[dialect] or first_url.database
    _load(second, dialect, _dump(first, schema=schema))

    assert _describe(second, dialect) == _describe(first, dialect)
    assert _dump(second) == _dump(first)


@pytest.mark.parametrize("dialect", DUMPED, indirect=True)
def test_nothing_server_specific(
    dialect: str,
    database_url: t.Callable[[str], sa.URL],
    make_engine: t.Callable[..., sa.Engine],
) -> None:
    """A dump names neither the database nor its owner, and holds no
    counter of the server, no psql command and no comment.
    """
    url = database_url("default")
    engine = make_engine(url)
    # The rows raise MariaDB's AUTO_INCREMENT counters.
    _build(engine, dialect)
    text = _dump(engine)
    found = [
        word
        for word in (str(url.database), "DEFINER=", "AUTO_INCREMENT=", "\\restrict")
        if word in text
    ]

    assert found == []
    assert [line for line in text.splitlines() if line.startswith("--")] == []


#: The weights of the rows of ``tag``, which has no primary key, in the
#: order of all its columns: NULL sorts first, except on PostgreSQL.
TAG_WEIGHTS = {
    "sqlite": ["-0.125", "NULL", "2.25", "1.5"],
    "postgresql": ["2.25", "NULL", "1.5", "-0.125"],
    "mariadb": ["-0.125", "NULL", "2.25", "1.5"],
}


def _inserts(text: str, table: str) -> list[str]:
    """The INSERT lines of one table in a dump."""
    return [
        line
        for line in text.splitlines()
        if line.startswith("INSERT INTO")
        and line.split(" (")[0].strip("`").endswith(table)
    ]


@pytest.mark.parametrize("dialect", DUMPED, indirect=True)
def test_rows_in_key_order(
    dialect: str,
    database_url: t.Callable[[str], sa.URL],
    make_engine: t.Callable[..., sa.Engine],
) -> None:
    """Rows are dumped in primary-key order whatever order they went in, and
    in the order of all their columns where there is no primary key.
    """
    engine = make_engine(database_url("default"))
    _build(engine, dialect)
    text = _dump(engine)
    titles = ("Swim", "it''s", "untitled")
    books = [next(k for k in titles if k in line) for line in _inserts(text, "book")]
    weights = [line.rsplit(", ", 1)[1][:-2] for line in _inserts(text, "tag")]

    assert books == list(titles)
    assert weights == TAG_WEIGHTS[dialect]


@pytest.mark.parametrize("dialect", DUMPED, indirect=True)
def test_skip_data(
    dialect: str,
    database_url: t.Callable[[str], sa.URL],
    make_engine: t.Callable[..., sa.Engine],
) -> None:
    """The tables in ``skip_data`` keep their DDL and lose their rows; the
    version table's rows are dumped like any other.
    """
    first = make_engine(database_url("first"))
    second = make_engine(database_url("second"))
    _build(first, dialect)
    _load(second, dialect, _dump(first, skip_data=["ledger", "audit"]))

    with second.connect() as conn:
        counts = [
            conn.execute(sa.select(sa.func.count()).select_from(table)).scalar()
            for table in (ledger, sa.table("audit"), version, book)
        ]

    assert counts == [0, 0, 1, 3]


@pytest.mark.parametrize("dialect", TRANSACTIONAL, indirect=True)
def test_failed_load_changes_nothing(
    dialect: str,
    database_url: t.Callable[[str], sa.URL],
    make_engine: t.Callable[..., sa.Engine],
) -> None:
    """A load that fails half way leaves the database empty once its
    transaction rolls back.
    """
    first = make_engine(database_url("first"))
    second = make_engine(database_url("second"))
    _build(first, dialect)
    text = _dump(first) + "INSERT INTO no_such_table VALUES (1);\n"

    with pytest.raises(sa.exc.DBAPIError, match="no_such_table"):
        with second.begin() as conn:
            load(conn, text)

    insp = sa.inspect(second)
    assert insp.get_table_names() + insp.get_view_names() == []


@pytest.mark.parametrize("dialect", DUMPED, indirect=True)
def test_failed_load_restores_session(
    dialect: str,
    database_url: t.Callable[[str], sa.URL],
    make_engine: t.Callable[..., sa.Engine],
) -> None:
    """After a load that fails, the session's settings are as they were,
    on MariaDB too, where the DDL it ran stays.
    """
    first = make_engine(database_url("first"))
    second = make_engine(database_url("second"))
    _build(first, dialect)
    text = _dump(first) + "INSERT INTO no_such_table VALUES (1);\n"

    with second.connect() as conn:
        before = _session(conn, dialect)
        conn.rollback()

        with pytest.raises(sa.exc.DBAPIError, match="no_such_table"):
            load(conn, text)

        conn.rollback()
        assert _session(conn, dialect) == before


#: The async driver of each dialect.
ASYNC_DRIVERS = {
    "sqlite": "sqlite+aiosqlite",
    "postgresql": "postgresql+asyncpg",
    "mariadb": "mysql+aiomysql",
}


@pytest.mark.parametrize("dialect", DUMPED, indirect=True)
def test_async(
    dialect: str,
    database_url: t.Callable[[str], sa.URL],
    make_engine: t.Callable[..., sa.Engine],
    make_async_engine: t.Callable[..., AsyncEngine],
) -> None:
    """Dump and load run on async connections through ``run_sync``."""
    first_url, second_url = database_url("first"), database_url("second")
    first = make_engine(first_url)
    _build(first, dialect)
    driver = ASYNC_DRIVERS[dialect]
    first_async = make_async_engine(first_url.set(drivername=driver))
    second_async = make_async_engine(second_url.set(drivername=driver))

    async def run() -> str:
        try:
            async with first_async.connect() as conn:
                text = await conn.run_sync(lambda c: dump(c))

            async with second_async.begin() as conn:
                await conn.run_sync(lambda c: load(c, text))

            async with second_async.connect() as conn:
                return await conn.run_sync(lambda c: dump(c))
        finally:
            # On this event loop, where their connections were made.
            await first_async.dispose()
            await second_async.dispose()

    assert asyncio.run(run()) == _dump(first)


#: What the error says of a schema that does not exist, by dialect.
NO_SCHEMA = {
    "sqlite": "'no_such'.*attached: main",
    "postgresql": "'no_such'.*no schema of that name",
    "mariadb": "'no_such'.*no database of that name",
}


@pytest.mark.parametrize("dialect", DUMPED, indirect=True)
def test_schema_missing(dialect: str, engine: sa.Engine) -> None:
    """Dumping a schema that does not exist is a configuration error that
    names it.
    """
    with engine.connect() as conn:
        with pytest.raises(ConfigurationError, match=NO_SCHEMA[dialect]):
            dump(conn, schema="no_such")


@pytest.mark.parametrize("dialect", ["postgresql"], indirect=True)
def test_pg_dump_missing(engine: sa.Engine, tmp_path: Path) -> None:
    """A pg_dump that cannot be run is a configuration error that names it
    and the fix.
    """
    missing = str(tmp_path / "no" / "pg_dump")

    with engine.connect() as conn:
        with pytest.raises(ConfigurationError, match="no/pg_dump.*Install the"):
            dump(conn, pg_dump=missing)


@pytest.mark.parametrize("dialect", ["postgresql"], indirect=True)
def test_pg_dump_too_old(engine: sa.Engine, tmp_path: Path) -> None:
    """A pg_dump older than the server is a configuration error that names
    both versions.
    """
    old = tmp_path / "pg_dump"
    old.write_text("#!/bin/sh\necho 'pg_dump (PostgreSQL) 9.6.24'\n")
    old.chmod(0o755)

    with engine.connect() as conn:
        server = conn.dialect.server_version_info or (0,)

        with pytest.raises(ConfigurationError, match=f"version 9, older .*{server[0]}"):
            dump(conn, pg_dump=str(old))
