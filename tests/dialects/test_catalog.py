"""The normalised catalog of a database, and the comparison of two, on every
dialect.
"""

from __future__ import annotations

import asyncio
import typing as t

import pytest
import sqlalchemy as sa

from alembic_envkit import ConfigurationError
from alembic_envkit.snapshot._catalog import Catalog
from alembic_envkit.snapshot._catalog import catalog
from alembic_envkit.snapshot._catalog import compare_catalogs

#: The body of the PostgreSQL trigger function, the same in every route.
FUNCTION_BODY = "NEW.title := upper(NEW.title);"

FUNCTION = """CREATE FUNCTION book_title() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    {body}
    RETURN NEW;
END
$$"""

TRIGGERS = {
    "sqlite": "CREATE TRIGGER {name} AFTER INSERT ON book BEGIN"
    " UPDATE book SET title = upper(title) WHERE id = NEW.id; END",
    "postgresql": "CREATE TRIGGER {name} BEFORE INSERT ON book FOR EACH ROW"
    " EXECUTE FUNCTION book_title()",
    "mariadb": "CREATE TRIGGER {name} BEFORE INSERT ON book FOR EACH ROW"
    " SET NEW.title = upper(NEW.title)",
}

#: The same schema as :func:`schema` builds, in statements written by hand,
#: spelled differently and in another order.
RAW = {
    "sqlite": [
        "create table book (\n  id integer not null,\n  author_id integer not null"
        ' constraint fk_book_author references "author"(id) on delete cascade,\n'
        "  title varchar(100) not null,\n  price numeric(10,2) default 0,\n"
        "  constraint ck_book_price check (price>=0),\n"
        "  constraint pk_book primary key (id)\n)",
        "create index ix_book_title on book (title)",
        'CREATE TRIGGER book_title AFTER INSERT ON "book"\nBEGIN\n'
        '    UPDATE "book" SET title = upper(title) WHERE id = new.id;\nEND',
        'create table "author" (id integer not null primary key,'
        " name varchar(50) not null default 'x', mood varchar(5) default 'ok',"
        " constraint uq_author_name unique (name))",
        "create view cheap_book as\n  select id, title\n  from book where price < 10",
    ],
    "postgresql": [
        "create sequence ticket increment by 5 start with 100",
        "create type mood as enum ('sad', 'ok', 'happy')",
        "create table author (id serial primary key, name varchar(50) not null"
        " default 'x', mood mood default 'ok', constraint uq_author_name"
        " unique (name))",
        "create table book (id serial, author_id integer not null, title"
        " varchar(100) not null, price numeric(10,2) default 0, constraint"
        " pk_book primary key (id), constraint ck_book_price check (price>=0))",
        FUNCTION.format(body=FUNCTION_BODY),
        "create trigger book_title before insert on book for each row execute"
        " function book_title()",
        "create view cheap_book as select id, title from book where price < 10",
        "create index ix_book_title on book (title)",
        "alter table book add constraint fk_book_author foreign key (author_id)"
        " references author (id) on delete cascade",
    ],
    "mariadb": [
        "create table book (id integer not null auto_increment, author_id int"
        " not null, title varchar(100) not null, price decimal(10,2) default 0,"
        " constraint pk_book primary key (id), constraint ck_book_price check"
        " (price>=0))",
        "create index ix_book_title on book (title)",
        "CREATE TRIGGER book_title BEFORE INSERT ON book FOR EACH ROW\n"
        "    SET NEW.title =  upper(NEW.title)",
        "create table author (id int not null auto_increment primary key, name"
        " varchar(50) not null default 'x', mood enum('sad','ok','happy')"
        " default 'ok', constraint uq_author_name unique (name))",
        "alter table book add constraint fk_book_author foreign key (author_id)"
        " references author (id) on delete cascade",
        "create view cheap_book as select id, title from book where price < 10",
        "create sequence ticket increment by 5 start with 100",
    ],
}


def schema(
    dialect: str,
    *,
    title_type: sa.types.TypeEngine[t.Any] | None = None,
    title_nullable: bool = False,
    name_default: str = "x",
    labels: tuple[str, ...] = ("sad", "ok", "happy"),
    index_name: str = "ix_book_title",
    check_name: str = "ck_book_price",
    view_where: str = "price < 10",
    extra_view: bool = False,
    extra_trigger: bool = False,
    function_body: str = FUNCTION_BODY,
    increment: int = 5,
) -> tuple[sa.MetaData, list[str]]:
    """The test schema as metadata for ``create_all``, and the statements
    that add what metadata cannot: a view, triggers, on PostgreSQL their
    function, and on the servers a sequence. The arguments change it.
    """
    metadata = sa.MetaData()
    sa.Table(
        "author",
        metadata,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(50), nullable=False, server_default=name_default),
        sa.Column("mood", sa.Enum(*labels, name="mood"), server_default="ok"),
        sa.UniqueConstraint("name", name="uq_author_name"),
    )
    sa.Table(
        "book",
        metadata,
        sa.Column("id", sa.Integer),
        sa.Column(
            "author_id",
            sa.Integer,
            sa.ForeignKey("author.id", ondelete="CASCADE", name="fk_book_author"),
            nullable=False,
        ),
        sa.Column("title", title_type or sa.String(100), nullable=title_nullable),
        sa.Column("price", sa.Numeric(10, 2), server_default=sa.text("0")),
        sa.PrimaryKeyConstraint("id", name="pk_book"),
        sa.CheckConstraint("price >= 0", name=check_name),
        sa.Index(index_name, "title"),
    )
    statements = []

    if dialect != "sqlite":
        statements.append(
            f"CREATE SEQUENCE ticket START WITH 100 INCREMENT BY {increment}"
        )

    if dialect == "postgresql":
        statements.append(FUNCTION.format(body=function_body))

    view = "CREATE VIEW {} AS SELECT id, title FROM book WHERE {}"
    statements.append(view.format("cheap_book", view_where))

    if extra_view:
        statements.append(view.format("dear_book", "price > 100"))

    statements.append(TRIGGERS[dialect].format(name="book_title"))

    if extra_trigger:
        statements.append(TRIGGERS[dialect].format(name="book_title2"))

    return metadata, statements


def build(engine: sa.Engine, dialect: str, raw: bool = False, **change: t.Any) -> None:
    """Build the test schema: from metadata and statements, or with ``raw``
    from the statements written by hand.
    """
    with engine.begin() as conn:
        if raw:
            statements = RAW[dialect]
        else:
            metadata, statements = schema(dialect, **change)
            metadata.create_all(conn)

        for statement in statements:
            conn.exec_driver_sql(statement)


def read(engine: sa.Engine, **kwargs: t.Any) -> Catalog:
    """The catalog of an engine's database, on a connection of its own."""
    with engine.connect() as conn:
        return catalog(conn, **kwargs)


@pytest.fixture
def database(
    dialect: str,
    database_url: t.Callable[[str], sa.URL],
    make_engine: t.Callable[..., sa.Engine],
) -> t.Callable[..., sa.Engine]:
    """Make a fresh database of the test's dialect holding the test schema,
    built with :func:`build`'s arguments.
    """

    def make(name: str, **kwargs: t.Any) -> sa.Engine:
        engine = make_engine(database_url(name))
        build(engine, dialect, **kwargs)
        return engine

    return make


def test_routes_compare_equal(
    dialect: str, database: t.Callable[..., sa.Engine]
) -> None:
    """Metadata and hand-written DDL in another order give equal catalogs."""
    replayed = read(database("replayed"))
    loaded = read(database("loaded", raw=True))

    assert compare_catalogs(replayed, loaded) == []
    assert replayed == loaded
    expected = {
        "table 'author'",
        "table 'author': column 'mood'",
        "table 'book': constraint 'ck_book_price'",
        "table 'book': constraint 'fk_book_author'",
        "table 'book': index 'ix_book_title'",
        "table 'book': trigger 'book_title'",
        "view 'cheap_book'",
    }
    expected |= {
        "sqlite": {"table 'author': unnamed primary key (id)"},
        "postgresql": {"type 'mood'", "function 'book_title()'", "sequence 'ticket'"},
        "mariadb": {"sequence 'ticket'"},
    }[dialect]
    assert expected <= set(replayed.names())
    name = replayed["table 'author': column 'name'"]
    assert (name["position"], name["nullable"]) == ("2", "NO")
    assert "'x'" in name["default"]
    key = replayed["table 'book': constraint 'fk_book_author'"]
    assert "CASCADE" in str(key)


DIFFERENCES = [
    pytest.param(
        {"title_type": sa.String(200)},
        {
            "postgresql": [
                "table 'book': column 'title': type character varying(100) in the"
                " replayed database, character varying(200) in the loaded one"
            ],
            "*": [
                "table 'book': column 'title': type varchar(100) in the replayed"
                " database, varchar(200) in the loaded one"
            ],
        },
        id="column type",
    ),
    pytest.param(
        {"title_nullable": True},
        {
            "*": [
                "table 'book': column 'title': nullable NO in the replayed"
                " database, YES in the loaded one"
            ]
        },
        id="nullability",
    ),
    pytest.param(
        {"name_default": "y"},
        {
            "postgresql": [
                "table 'author': column 'name': default 'x'::character varying in"
                " the replayed database, 'y'::character varying in the loaded one"
            ],
            "*": [
                "table 'author': column 'name': default 'x' in the replayed"
                " database, 'y' in the loaded one"
            ],
        },
        id="server default",
    ),
    pytest.param(
        {"labels": ("sad", "ok", "glad")},
        {
            "sqlite": [
                "table 'author': column 'mood': type varchar(5) in the replayed"
                " database, varchar(4) in the loaded one"
            ],
            "postgresql": [
                "type 'mood': labels 'sad', 'ok', 'happy' in the replayed"
                " database, 'sad', 'ok', 'glad' in the loaded one"
            ],
            "mariadb": [
                "table 'author': column 'mood': type enum('sad','ok','happy') in"
                " the replayed database, enum('sad','ok','glad') in the loaded one"
            ],
        },
        id="enum label",
    ),
    pytest.param(
        {"index_name": "ix_book_name"},
        {
            "*": [
                "table 'book': index 'ix_book_name': only in the loaded database",
                "table 'book': index 'ix_book_title': only in the replayed database",
            ]
        },
        id="renamed index",
    ),
    pytest.param(
        {"check_name": "ck_book_cost"},
        {
            "*": [
                "table 'book': constraint 'ck_book_cost': only in the loaded database",
                "table 'book': constraint 'ck_book_price': only in the replayed"
                " database",
            ]
        },
        id="renamed constraint",
    ),
    pytest.param(
        {"extra_view": True},
        {"*": ["view 'dear_book': only in the loaded database"]},
        id="added view",
    ),
    pytest.param(
        {"view_where": "price < 20"},
        {"*": ["view 'cheap_book': definition "]},
        id="changed view",
    ),
    pytest.param(
        {"extra_trigger": True},
        {"*": ["table 'book': trigger 'book_title2': only in the loaded database"]},
        id="added trigger",
    ),
]


@pytest.mark.parametrize(("change", "expected"), DIFFERENCES)
def test_difference(
    dialect: str,
    database: t.Callable[..., sa.Engine],
    change: dict[str, t.Any],
    expected: dict[str, list[str]],
) -> None:
    """A change to one object shows up as its own lines, naming the object."""
    replayed = read(database("replayed"))
    loaded = read(database("loaded", **change))
    differences = compare_catalogs(replayed, loaded)

    starts = expected.get(dialect, expected.get("*"))
    assert len(differences) == len(starts), differences
    assert all(d.startswith(s) for d, s in zip(differences, starts, strict=True)), (
        differences
    )


#: Take the next value of the sequence ``ticket``.
NEXT_TICKET = {
    "postgresql": "SELECT nextval('ticket')",
    "mariadb": "SELECT nextval(ticket)",
}


@pytest.mark.parametrize("server", ["postgresql", "mariadb"])
def test_sequence_difference(
    server: str,
    any_database: t.Callable[[str, str], sa.URL],
    make_engine: t.Callable[..., sa.Engine],
) -> None:
    """A sequence's increment is compared, and not its current value."""
    replayed = make_engine(any_database(server, "replayed"))
    loaded = make_engine(any_database(server, "loaded"))
    build(replayed, server)
    build(loaded, server, increment=10)

    with replayed.connect() as conn:
        before = catalog(conn)
        conn.exec_driver_sql(NEXT_TICKET[server])
        conn.commit()

    assert read(replayed) == before
    assert compare_catalogs(before, read(loaded)) == [
        "sequence 'ticket': increment 5 in the replayed database, 10 in the loaded one"
    ]


def test_function_difference(
    any_database: t.Callable[[str, str], sa.URL],
    make_engine: t.Callable[..., sa.Engine],
) -> None:
    """On PostgreSQL, a changed function body shows where it differs."""
    replayed = make_engine(any_database("postgresql", "replayed"))
    loaded = make_engine(any_database("postgresql", "loaded"))
    build(replayed, "postgresql")
    build(loaded, "postgresql", function_body="NEW.title := lower(NEW.title);")

    (line,) = compare_catalogs(read(replayed), read(loaded))
    assert line.startswith("function 'book_title()': definition differs from")
    assert "upper" in line and "lower" in line


def test_determinism(dialect: str, database: t.Callable[..., sa.Engine]) -> None:
    """A database read twice, on one connection or two, gives equal catalogs."""
    engine = database("default")

    with engine.connect() as conn:
        first = catalog(conn)
        second = catalog(conn)

    third = read(engine)
    assert first == second == third
    assert hash(first) == hash(third)
    assert str(first) == str(third)
    assert compare_catalogs(first, third) == []


#: The async driver of each dialect.
ASYNC_DRIVERS = {
    "sqlite": "sqlite+aiosqlite",
    "postgresql": "postgresql+asyncpg",
    "mariadb": "mysql+aiomysql",
}


def test_async_connection(
    dialect: str,
    database_url: t.Callable[[str], sa.URL],
    make_engine: t.Callable[..., sa.Engine],
    make_async_engine: t.Callable[..., t.Any],
) -> None:
    """Through an async driver and run_sync, the catalog is the same."""
    url = database_url("default")
    engine = make_engine(url)
    build(engine, dialect)
    async_engine = make_async_engine(url.set(drivername=ASYNC_DRIVERS[dialect]))

    async def read_async() -> Catalog:
        async with async_engine.connect() as conn:
            value = await conn.run_sync(catalog)

        # On this event loop: the fixture's would find the pool's
        # connections bound to a closed one.
        await async_engine.dispose()
        return t.cast(Catalog, value)

    assert asyncio.run(read_async()) == read(engine)


def test_exclude_tables(dialect: str, database: t.Callable[..., sa.Engine]) -> None:
    """Excluded tables are left out with everything on them."""
    engine = database("default")
    everything = read(engine)
    excluded = read(engine, exclude_tables=["book"])

    kept = [
        name
        for name in everything.names()
        if not name.startswith("table 'book'") and name != "sequence 'book_id_seq'"
    ]
    assert excluded.names() == kept
    assert "table 'author'" in excluded
    assert read(engine, exclude_tables="book") == excluded


def test_dropped_column(
    dialect: str,
    database_url: t.Callable[[str], sa.URL],
    make_engine: t.Callable[..., sa.Engine],
) -> None:
    """A table whose column was dropped equals one built without it."""
    replayed = make_engine(database_url("replayed"))
    loaded = make_engine(database_url("loaded"))

    with replayed.begin() as conn:
        conn.exec_driver_sql(
            "CREATE TABLE t (id INTEGER NOT NULL, gone INTEGER, kept INTEGER)"
        )
        conn.exec_driver_sql("ALTER TABLE t DROP COLUMN gone")

    with loaded.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE t (id INTEGER NOT NULL, kept INTEGER)")

    assert compare_catalogs(read(replayed), read(loaded)) == []
    assert read(loaded)["table 't': column 'kept'"]["position"] == "2"


def test_missing_schema(dialect: str, engine: sa.Engine) -> None:
    """A schema that does not exist is a configuration error naming it."""
    with engine.connect() as conn:
        with pytest.raises(ConfigurationError, match="'nowhere'"):
            catalog(conn, "nowhere")


def test_search_path(
    any_database: t.Callable[[str, str], sa.URL],
    make_engine: t.Callable[..., sa.Engine],
) -> None:
    """On PostgreSQL, the search_path neither changes the catalog nor is changed."""
    engine = make_engine(any_database("postgresql", "default"))
    build(engine, "postgresql")

    with engine.connect() as conn:
        conn.exec_driver_sql("SET search_path = pg_catalog")
        elsewhere = catalog(conn, "public")
        assert conn.exec_driver_sql("SHOW search_path").scalar() == "pg_catalog"

    assert elsewhere == read(engine)
