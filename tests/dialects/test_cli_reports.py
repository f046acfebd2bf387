"""What the commands report on every dialect: the order of several heads in
``current``, a revision MariaDB left half applied, and a downgrade that one
database cannot make refused before any database changes.
"""

from __future__ import annotations

import json
import typing as t

import sqlalchemy as sa
from click.testing import CliRunner
from click.testing import Result

from alembic_envkit import Environment
from alembic_envkit import make_group

Tables: t.TypeAlias = t.Callable[..., set[str]]


def _invoke(env: Environment, *args: str) -> Result:
    return CliRunner().invoke(make_group(lambda: env), list(args))


def test_current_orders_heads_alike(
    make_env: t.Callable[..., Environment], engine: sa.Engine, revisions: t.Any
) -> None:
    """``current`` lists the heads of independent branches by id on every
    dialect, whatever order they were applied in.
    """
    revisions.write("r_a", None, labels=("aa",))
    revisions.write("r_b", None, labels=("bb",))
    env = make_env(sa.MetaData(), engine)
    env.upgrade("bb@head")
    env.upgrade("aa@head")
    result = _invoke(env, "current")
    assert result.exit_code == 0, result.stderr
    assert [line.split(" ")[2] for line in result.stdout.splitlines()] == [
        "r_a",
        "r_b",
    ]
    assert [s.revision for s in env.current()] == ["r_a", "r_b"]


def test_current_of_no_version_table_and_of_one_it_cannot_read(
    make_env: t.Callable[..., Environment], engine: sa.Engine, revisions: t.Any
) -> None:
    """With no version table, a database is at base. A table of that name
    the read fails on (no ``version_num`` column) is an error, not a
    database at base, and ``current`` exits non-zero.
    """
    revisions.write("r1", None)
    env = make_env(sa.MetaData(), engine)
    assert list(env.current()) == []

    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE alembic_version (other INTEGER)")

    result = _invoke(env, "current")
    assert result.exit_code != 0
    assert "version_num" in result.output + str(result.exception)

    with engine.connect() as conn:
        assert sa.inspect(conn).get_table_names() == ["alembic_version"]


def test_current_marks_interrupted_revision(
    make_env: t.Callable[..., Environment],
    engine: sa.Engine,
    revisions: t.Any,
    tables: Tables,
) -> None:
    """After a revision fails half way on MariaDB, ``current`` marks it; on
    databases with transactional DDL nothing is left to mark.
    """
    revisions.write("r1", None)
    revisions.write(
        "r2",
        "r1",
        "op.create_table('half', sa.Column('id', sa.Integer))\n"
        "raise RuntimeError('boom')",
    )
    env = make_env(sa.MetaData(), engine)
    assert _invoke(env, "upgrade").exit_code == 1
    result = _invoke(env, "current")
    assert result.exit_code == 0, result.stderr
    document = json.loads(_invoke(env, "current", "--format", "json").stdout)
    interrupted = document["databases"]["default"]["interrupted"]

    if engine.dialect.name in ("mysql", "mariadb"):
        assert "half" in tables(engine)
        assert result.stdout.splitlines()[-1] == (
            "interrupted: upgrade of revision r2, may be partly applied"
        )
        assert "stamp REVISION" in result.stderr
        assert interrupted == "upgrade of revision r2"
        assert env.interrupted_by_database() == {"default": "upgrade of revision r2"}
        env.stamp("r1")
    else:
        assert "half" not in tables(engine)
        assert interrupted is None
        assert env.interrupted_by_database() == {}

    after = _invoke(env, "current")
    assert after.stdout.splitlines() == ["<base> -> r1, "]
    assert "stamp REVISION" not in after.stderr


def test_downgrade_out_of_reach_changes_no_database(
    database_url: t.Callable[[str], sa.URL],
    make_env: t.Callable[..., Environment],
    make_engine: t.Callable[..., sa.Engine],
    revisions: t.Any,
    versions: Tables,
    tables: Tables,
) -> None:
    """``downgrade 2`` with one database a step lower is refused before the
    other database runs anything, even where each revision commits alone.
    """
    revisions.write_multidb("r1", None)
    revisions.write_multidb("r2", "r1")
    engines = {
        "default": make_engine(database_url("default")),
        "auth": make_engine(database_url("auth")),
    }
    mds = {"default": sa.MetaData(), "auth": sa.MetaData()}
    env = make_env(mds, engines, {"transaction_mode": "revision"})
    env.upgrade()

    with env.selecting(["auth"]):
        env.downgrade(1)

    result = _invoke(env, "downgrade", "2")
    assert versions(engines["default"]) == {"r2"}
    assert {"d_r1", "d_r2"} <= tables(engines["default"])
    assert versions(engines["auth"]) == {"r1"}
    assert result.exit_code == 1
    assert result.stderr.splitlines()[-1] == (
        "Error: Database 'auth': Relative revision -2 didn't produce 2 migrations"
    )
