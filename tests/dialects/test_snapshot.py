"""Schema snapshots on every dialect: written by replaying the history into
a scratch database, byte-identical for the same history, loaded into empty
databases by upgrade (which then runs only the revisions after them),
never into a database that is not empty, checked against a replay, and
reported by verify once the history changes.
"""

from __future__ import annotations

import hashlib
import typing as t
from pathlib import Path

import pytest
import sqlalchemy as sa

from alembic_envkit import ConfigurationError
from alembic_envkit import DatabaseUnavailableError
from alembic_envkit import Environment

#: The ids of these tests ("a", "b") are their scheme.
OPTIONS = {"revision_id_pattern": "[a-z]"}

CREATE_USER = """
op.create_table(
    "user",
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("name", sa.String(50), nullable=False, server_default="anon"),
)
op.create_index("ix_user_name", "user", ["name"])
"""

SEED_ROLES = """
roles = op.create_table(
    "role",
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("name", sa.String(20), nullable=False, unique=True),
    sa.Column("user_id", sa.Integer, sa.ForeignKey("user.id", name="fk_role_user")),
)
op.bulk_insert(roles, [{"id": 1, "name": "admin"}, {"id": 2, "name": "it's"}])
"""

ADD_EMAIL = """
op.add_column("user", sa.Column("email", sa.String(100)))
"""


@pytest.fixture
def history(revisions: t.Any) -> dict[str, Path]:
    """a creates user, b creates role with two seed rows, c adds a column."""
    return {
        "a": revisions.write(
            "a",
            None,
            CREATE_USER,
            "op.drop_index('ix_user_name', 'user')\nop.drop_table('user')",
        ),
        "b": revisions.write("b", "a", SEED_ROLES, "op.drop_table('role')"),
        "c": revisions.write("c", "b", ADD_EMAIL, "op.drop_column('user', 'email')"),
    }


def _ran(env: Environment) -> list[str]:
    """Collect the revisions each run of ``env`` runs."""
    done: list[str] = []

    def progress(event: t.Any) -> None:
        if event.seconds is not None:
            done.append(f"{event.direction} {event.revision}")

    env.progress = progress
    return done


def _schema(engine: sa.Engine) -> dict[str, t.Any]:
    inspector = sa.inspect(engine)
    tables = sorted(inspector.get_table_names())
    columns = {t: [c["name"] for c in inspector.get_columns(t)] for t in tables}

    with engine.connect() as connection:
        versions = sorted(
            connection.exec_driver_sql(
                "SELECT version_num FROM alembic_version"
            ).scalars()
        )
        roles = (
            sorted(connection.exec_driver_sql("SELECT id, name FROM role").all())
            if "role" in tables
            else []
        )

    return {"columns": columns, "versions": versions, "roles": roles}


def test_write_then_load(
    make_env: t.Callable[..., Environment],
    database_url: t.Callable[[str], sa.URL],
    make_engine: t.Callable[..., sa.Engine],
    history: dict[str, Path],
    tmp_path: Path,
) -> None:
    """A snapshot at b holds the schema, the version row and the seed rows;
    written twice it is the same bytes; an empty database gets it, then
    runs c alone, and ends where a replay ends.
    """
    builder = make_engine(database_url("builder"))
    env = make_env(sa.MetaData(), builder, OPTIONS)
    (path,) = env.snapshots.write("b")
    assert Path(path) == tmp_path / "migrations" / "snapshots" / "b.default.sql"
    first = Path(path).read_bytes()
    assert b"-- revisions: b\n" in first
    assert b"admin" in first
    assert env.snapshots.write("b") == [path]
    assert Path(path).read_bytes() == first
    assert sa.inspect(builder).get_table_names() == []  # The scratch database.

    loaded = make_engine(database_url("loaded"))
    env = make_env(sa.MetaData(), loaded, OPTIONS)
    ran = _ran(env)
    env.upgrade()
    assert ran == ["upgrade c"]

    replayed = make_engine(database_url("replayed"))
    env = make_env(sa.MetaData(), replayed, OPTIONS)
    ran = _ran(env)
    env.upgrade(snapshot=False)
    assert ran == ["upgrade a", "upgrade b", "upgrade c"]
    assert _schema(loaded) == _schema(replayed)
    assert _schema(loaded)["roles"] == [(1, "admin"), (2, "it's")]

    env = make_env(sa.MetaData(), loaded, OPTIONS)
    ran = _ran(env)
    env.downgrade("base")
    assert ran == ["downgrade c", "downgrade b", "downgrade a"]
    assert set(sa.inspect(loaded).get_table_names()) == {"alembic_version"}


def test_not_empty_is_replayed(
    make_env: t.Callable[..., Environment],
    engine: sa.Engine,
    history: dict[str, Path],
) -> None:
    """A database that is not empty is upgraded by its revisions; forcing
    the snapshot on it is refused, and nothing changes.
    """
    env = make_env(sa.MetaData(), engine, OPTIONS)
    env.snapshots.write()
    env.upgrade("a", snapshot=False)

    with pytest.raises(ConfigurationError, match="'default' is not empty"):
        env.upgrade(snapshot=True)

    assert _schema(engine)["versions"] == ["a"]

    with pytest.raises(ConfigurationError, match="'default' is not empty"):
        env.create_at_head()

    ran = _ran(env)
    env.upgrade()
    assert ran == ["upgrade b", "upgrade c"]


def test_stale_snapshot(
    make_env: t.Callable[..., Environment],
    engine: sa.Engine,
    history: dict[str, Path],
) -> None:
    """Once a revision the snapshot stands on changes, verify reports it and
    upgrade refuses to load it, changing nothing; a reformatted file is no
    change; --no-snapshot replays.
    """
    env = make_env(sa.MetaData(), engine, OPTIONS)
    (path,) = env.snapshots.write()
    b = history["b"]
    b.write_text("# a comment\n" + b.read_text())
    assert env.verify() == []

    b.write_text(b.read_text().replace('"admin"', '"root"'))
    (finding,) = env.verify()
    assert (finding.kind, finding.files) == ("stale-snapshot", (path,))

    with pytest.raises(ConfigurationError, match="another history"):
        env.upgrade()

    assert sa.inspect(engine).get_table_names() == []
    env.upgrade(snapshot=False)
    assert _schema(engine)["roles"] == [(1, "root"), (2, "it's")]


def test_check(
    make_env: t.Callable[..., Environment],
    engine: sa.Engine,
    history: dict[str, Path],
) -> None:
    """check finds a faithful snapshot identical to a replay, and lists what
    a tampered one lacks; with no snapshot it says to write one.
    """
    env = make_env(sa.MetaData(), engine, OPTIONS)

    with pytest.raises(ConfigurationError, match="write one with 'snapshot'"):
        env.snapshots.check()

    (path,) = env.snapshots.write("b")
    assert env.snapshots.check() == {"default": []}

    text = Path(path).read_text()
    Path(path).write_text(text.replace("ix_user_name", "ix_user_other"))
    (found,) = env.snapshots.check().values()
    assert any("ix_user_name" in line for line in found)
    assert any("ix_user_other" in line for line in found)


def test_offline_upgrade_from_snapshot(
    make_env: t.Callable[..., Environment],
    engine: sa.Engine,
    history: dict[str, Path],
) -> None:
    """upgrade --sql from an empty database prints the snapshot, then the
    revisions after it.
    """
    env = make_env(sa.MetaData(), engine, OPTIONS)
    (path,) = env.snapshots.write("b")
    sql = env.upgrade_sql()["default"]
    body = Path(path).read_text().split("\n\n", 1)[1]
    assert sql.startswith(body)
    assert "email" in sql.split(body, 1)[1]
    assert "CREATE TABLE role" not in sql.split(body, 1)[1].replace('"', "")


@pytest.mark.parametrize("dialect", ["postgresql", "mariadb"], indirect=True)
def test_unreachable_scratch_server(
    make_env: t.Callable[..., Environment],
    engine: sa.Engine,
    history: dict[str, Path],
    tmp_path: Path,
) -> None:
    """A scratch server that cannot be reached gets one clear error, and no
    file is written. (SQLite's scratch database is a temporary file.)
    """
    url = engine.url.set(port=1, database=None)
    options = {**OPTIONS, "snapshot_url": url.render_as_string(hide_password=False)}
    env = make_env(sa.MetaData(), engine, options)

    with pytest.raises(DatabaseUnavailableError, match="scratch database"):
        env.snapshots.write()

    assert not (tmp_path / "migrations" / "snapshots").exists()


def test_several_databases(
    make_env: t.Callable[..., Environment],
    database_url: t.Callable[[str], sa.URL],
    make_engine: t.Callable[..., sa.Engine],
    revisions: t.Any,
    tmp_path: Path,
) -> None:
    """Each database gets its own snapshot file; --db (selecting) writes one;
    a fresh pair loads both and runs only what follows.
    """

    def environment(prefix: str) -> Environment:
        engines = {
            n: make_engine(database_url(f"{prefix}_{n}")) for n in ("default", "auth")
        }
        return make_env({n: sa.MetaData() for n in engines}, engines, OPTIONS)

    env = environment("build")
    revisions.write_multidb("a", None)
    revisions.write_multidb("b", "a")
    folder = tmp_path / "migrations" / "snapshots"

    with env.selecting(["auth"]):
        assert env.snapshots.write("a") == [str(folder / "a.auth.sql")]

    assert sorted(p.name for p in folder.iterdir()) == ["a.auth.sql"]
    written = env.snapshots.write("a")
    assert [Path(p).name for p in written] == ["a.default.sql", "a.auth.sql"]
    assert env.snapshots.check() == {"default": [], "auth": []}

    fresh = environment("fresh")
    ran = _ran(fresh)
    fresh.upgrade()
    assert sorted(ran) == ["upgrade b", "upgrade b"]
    engines = fresh.targets
    assert set(sa.inspect(engines["default"].engine).get_table_names()) == {
        "alembic_version",
        "d_a",
        "d_b",
    }
    assert set(sa.inspect(engines["auth"].engine).get_table_names()) == {
        "alembic_version",
        "a_a",
        "a_b",
    }


def test_cli(
    make_env: t.Callable[..., Environment],
    engine: sa.Engine,
    history: dict[str, Path],
) -> None:
    """snapshot writes and names the file, --check exits 0 then 1 once the
    file is tampered with, upgrade --snapshot on a database that is not
    empty exits 1 with one line and no traceback.
    """
    from click.testing import CliRunner

    from alembic_envkit import make_group

    env = make_env(sa.MetaData(), engine, OPTIONS)
    group = make_group(lambda: env)
    runner = CliRunner()
    result = runner.invoke(group, ["snapshot", "b"])
    assert result.exit_code == 0, result.output
    wrote = [line for line in result.output.splitlines() if line.startswith("Wrote ")]
    assert len(wrote) == 1 and wrote[0].endswith("b.default.sql")

    result = runner.invoke(group, ["snapshot", "--check"])
    assert result.exit_code == 0, result.output
    assert "default: the snapshot builds what the revisions build." in result.output

    path = Path(env.snapshots.find()["default"][0].path)
    path.write_text(path.read_text().replace("'admin'", "'nobody'"))
    result = runner.invoke(group, ["snapshot", "--check", "--format", "json"])
    assert result.exit_code == 1
    assert '"ok": false' in result.output and "role" in result.output

    result = runner.invoke(group, ["upgrade", "a", "--no-snapshot"])
    assert result.exit_code == 0, result.output
    result = runner.invoke(group, ["upgrade", "--snapshot"])
    assert result.exit_code == 1
    assert "is not empty" in result.output and "Traceback" not in result.output
    assert _schema(engine)["versions"] == ["a"]


@pytest.mark.parametrize("dialect", ["sqlite"], indirect=True)
def test_every_tenth_revision_reaches_head(
    make_env: t.Callable[..., Environment],
    database_url: t.Callable[[str], sa.URL],
    make_engine: t.Callable[..., sa.Engine],
    revisions: t.Any,
) -> None:
    """With a snapshot at head, a database at every tenth revision of a
    40-revision history reaches head by running the revisions after it;
    an empty one loads the snapshot and runs none.
    """
    ids = [f"r{i:02d}" for i in range(40)]

    for i, rev in enumerate(ids):
        revisions.write(
            rev,
            ids[i - 1] if i else None,
            f"op.create_table('t{i}', sa.Column('id', sa.Integer, primary_key=True))",
            f"op.drop_table('t{i}')",
        )

    options = {"revision_id_pattern": "r[0-9]{2}"}
    env = make_env(sa.MetaData(), make_engine(database_url("builder")), options)
    env.snapshots.write()

    for at in [None, *ids[9::10]]:
        engine = make_engine(database_url(f"at_{at}"))
        env = make_env(sa.MetaData(), engine, options)

        if at is not None:
            env.upgrade(at, snapshot=False)

        ran = _ran(env)
        env.upgrade()
        after = ids[ids.index(at) + 1 :] if at else []
        assert ran == [f"upgrade {rev}" for rev in after]
        assert _schema(engine)["versions"] == ["r39"]
        assert len(sa.inspect(engine).get_table_names()) == 41


RICH_UPGRADE = """
status = sa.Enum("draft", "published", name="post_status")
op.create_table(
    "author",
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("name", sa.String(50), nullable=False, server_default="anonymous"),
    sa.Column("joined", sa.DateTime, server_default=sa.func.current_timestamp()),
)
op.create_table(
    "post",
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("author_id", sa.Integer, sa.ForeignKey("author.id", ondelete="CASCADE")),
    sa.Column("title", sa.String(100), nullable=False),
    sa.Column("status", status, nullable=False, server_default="draft"),
    sa.Column("views", sa.Integer, nullable=False, server_default="0"),
    sa.CheckConstraint("views >= 0", name="ck_post_views"),
    sa.UniqueConstraint("author_id", "title", name="uq_post_author_title"),
)
op.create_index("ix_post_status", "post", ["status"])
op.execute(
    "CREATE VIEW published AS SELECT id, title FROM post WHERE status = 'published'"
)
op.bulk_insert(
    sa.table("author", sa.column("id", sa.Integer), sa.column("name", sa.String)),
    [{"id": 1, "name": "Ada"}],
)
"""

PG_TRIGGER = """
op.execute(
    "CREATE FUNCTION post_touch() RETURNS trigger LANGUAGE plpgsql AS"
    " $$ BEGIN NEW.views := NEW.views + 1; RETURN NEW; END; $$"
)
op.execute(
    "CREATE TRIGGER post_touch BEFORE UPDATE ON post"
    " FOR EACH ROW EXECUTE FUNCTION post_touch()"
)
"""

SQL_TRIGGER = """
op.execute(
    "CREATE TRIGGER post_touch AFTER INSERT ON post FOR EACH ROW"
    " BEGIN UPDATE author SET name = name WHERE id = NEW.author_id; END"
)
"""


def test_check_rich_history(
    make_env: t.Callable[..., Environment],
    engine: sa.Engine,
    revisions: t.Any,
    tmp_path: Path,
) -> None:
    """A history with an enum, server defaults, a check and a unique
    constraint, a view, seed rows and a trigger (with its function on
    PostgreSQL) snapshots into a file that check finds identical to a
    replay; the loaded database holds the trigger and the view.
    """
    postgresql = engine.dialect.name == "postgresql"
    revisions.write("a", None, RICH_UPGRADE, "pass")
    revisions.write("b", "a", PG_TRIGGER if postgresql else SQL_TRIGGER, "pass")
    env = make_env(sa.MetaData(), engine, OPTIONS)
    (path,) = env.snapshots.write()
    text = Path(path).read_text()
    assert "post_touch" in text and "published" in text
    assert env.snapshots.check() == {"default": []}

    env.create_at_head()
    inspector = sa.inspect(engine)
    assert inspector.get_view_names() == ["published"]
    assert {c["name"] for c in inspector.get_check_constraints("post")} == {
        "ck_post_views"
    }

    with engine.begin() as connection:
        connection.exec_driver_sql(
            "INSERT INTO post (id, author_id, title) VALUES (1, 1, 'Hello')"
        )
        row = connection.exec_driver_sql("SELECT status, views FROM post").one()

    assert tuple(row) == ("draft", 0)


def test_create_database(
    make_env: t.Callable[..., Environment],
    engine: sa.Engine,
    make_engine: t.Callable[..., sa.Engine],
    history: dict[str, Path],
) -> None:
    """create_at_head(create_database=True) makes a database that does not
    exist and brings it to head: on PostgreSQL by copying a template of the
    snapshot, running no revision; a database that exists is refused.
    """
    env = make_env(sa.MetaData(), engine, OPTIONS)
    env.snapshots.write("b")
    env.upgrade("a", snapshot=False)

    with pytest.raises(ConfigurationError, match="exists: create_database makes new"):
        env.create_at_head(create_database=True)

    assert _schema(engine)["versions"] == ["a"]

    url = engine.url
    postgresql = url.get_backend_name() == "postgresql"
    server = url.get_backend_name() != "sqlite"
    new = (
        url.set(database=f"{url.database}_new")
        if server
        else url.set(database=str(Path(str(url.database)).with_name("new.sqlite")))
    )
    admin = make_engine(url, isolation_level="AUTOCOMMIT")
    (found,) = env.snapshots.find()["default"]
    digest = hashlib.sha256(Path(found.path).read_bytes()).hexdigest()
    template = f"envkit_template_{digest[:24]}"
    query = sa.text("SELECT datname FROM pg_database WHERE datname = :name")

    try:
        fresh = make_engine(new)
        env = make_env(sa.MetaData(), fresh, OPTIONS)
        ran = _ran(env)
        env.create_at_head(create_database=True)
        assert ran == ["upgrade c"]
        assert _schema(fresh)["roles"] == [(1, "admin"), (2, "it's")]
        assert _schema(fresh)["versions"] == ["c"]
        env.close()
        fresh.dispose()

        if postgresql:
            # Copied from the snapshot's template, which stays for the next.
            with admin.connect() as connection:
                assert connection.execute(query, {"name": template}).scalar()
    finally:
        if server:
            force = " WITH (FORCE)" if postgresql else ""

            with admin.connect() as connection:
                connection.exec_driver_sql(
                    f"DROP DATABASE IF EXISTS {new.database}{force}"
                )

                if postgresql:
                    connection.exec_driver_sql(
                        f"DROP DATABASE IF EXISTS {template}{force}"
                    )
