"""The ledger on every dialect: each revision applied is recorded with
checksums of its upgrade() and downgrade(); an edit after it ran, or its
file gone, is reported by verify and upgrade; rehash accepts an edit;
existing databases adopt the ledger on their next upgrade.
"""

from __future__ import annotations

import logging
import re
import typing as t
from pathlib import Path

import pytest
import sqlalchemy as sa

from alembic_envkit import ConfigurationError
from alembic_envkit import Environment
from alembic_envkit import RevisionError
from alembic_envkit.history import file_checksums

#: The ledger on; the ids of these tests ("a", "b") are their scheme.
LEDGER = {"ledger_table": True, "revision_id_pattern": "[a-z]"}


def _create(name: str) -> str:
    return f"op.create_table('{name}', sa.Column('id', sa.Integer, primary_key=True))"


@pytest.fixture
def three(revisions: t.Any) -> dict[str, Path]:
    """a -> b -> c, each creating its table."""
    return {
        rev: revisions.write(
            rev, down, _create(f"t_{rev}"), f"op.drop_table('t_{rev}')"
        )
        for rev, down in (("a", None), ("b", "a"), ("c", "b"))
    }


def _rows(engine: sa.Engine, table: str = "alembic_ledger") -> list[t.Any]:
    ledger = sa.Table(table, sa.MetaData(), autoload_with=engine)

    with engine.connect() as connection:
        return list(connection.execute(sa.select(ledger).order_by(ledger.c.id)))


def test_off_by_default(
    make_env: t.Callable[..., Environment],
    engine: sa.Engine,
    three: dict[str, Path],
    tables: t.Any,
) -> None:
    """Without the setting, no ledger table is made: 3.x apps see no new
    table.
    """
    make_env(sa.MetaData(), engine).upgrade()
    assert tables(engine) == {"alembic_version", "t_a", "t_b", "t_c"}


def test_upgrade_records_each_revision(
    make_env: t.Callable[..., Environment],
    engine: sa.Engine,
    three: dict[str, Path],
    tables: t.Any,
) -> None:
    """Each revision gets a row with its file's checksums, the times, the
    host and the tool; check leaves the ledger table out.
    """
    env = make_env(sa.MetaData(), engine, LEDGER)
    env.upgrade()
    assert "alembic_ledger" in tables(engine)
    rows = _rows(engine)
    assert [(r.revision, r.direction, r.outcome) for r in rows] == [
        ("a", "upgrade", "applied"),
        ("b", "upgrade", "applied"),
        ("c", "upgrade", "applied"),
    ]

    for row in rows:
        up, down = file_checksums(three[row.revision])
        assert (row.upgrade_checksum, row.downgrade_checksum) == (up, down)
        assert row.checksum_version == 1 and row.layout == 1
        assert row.host and row.tool_version.startswith("alembic-envkit")
        assert row.duration_ms >= 0 and row.started_at <= row.finished_at

    assert env.verify() == []
    diffs = env.check()["default"]
    assert diffs and all("alembic_ledger" not in repr(d) for d in diffs)


def test_adopt_then_downgrade(
    make_env: t.Callable[..., Environment], engine: sa.Engine, three: dict[str, Path]
) -> None:
    """A database upgraded before the ledger adopts it on its next upgrade;
    a downgrade is recorded, and a revision downgraded is no longer checked.
    """
    make_env(sa.MetaData(), engine).upgrade("b")
    env = make_env(sa.MetaData(), engine, LEDGER)
    env.upgrade()
    assert [(r.revision, r.direction, r.outcome) for r in _rows(engine)] == [
        ("a", "adopt", "adopted"),
        ("b", "adopt", "adopted"),
        ("c", "upgrade", "applied"),
    ]
    env.downgrade("b")
    assert _rows(engine)[-1][1:3] == ("c", "downgrade")
    three["c"].write_text(three["c"].read_text().replace("t_c", "t_other"))
    assert env.verify() == []


def test_edit_after_apply(
    make_env: t.Callable[..., Environment],
    engine: sa.Engine,
    three: dict[str, Path],
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Reformatting and comments are no edit; a changed operation is, named
    with its database and direction; upgrade warns, rehash accepts it.
    """
    env = make_env(sa.MetaData(), engine, LEDGER)
    env.upgrade("b")
    b = three["b"]
    b.write_text("# a comment\n" + b.read_text().replace("'t_b'", '"t_b"'))
    assert env.verify() == []
    b.write_text(b.read_text().replace('op.drop_table("t_b")', "op.drop_table('t_x')"))
    (finding,) = env.verify()
    assert (finding.kind, finding.severity, finding.files) == (
        "edited-after-apply",
        "error",
        (str(b),),
    )
    assert "'b'" in finding.message and "'default'" in finding.message
    assert "downgrade()" in finding.message and "upgrade()" not in finding.message

    with caplog.at_level(logging.WARNING, logger="alembic_envkit"):
        env.upgrade()

    assert any("edited-after-apply" in r.getMessage() for r in caplog.records)
    assert env.rehash("b", "drop the right table") == ["default"]
    assert env.verify() == []
    last = [r for r in _rows(engine) if r.revision == "b"][-1]
    assert (last.direction, last.outcome, last.reason) == (
        "rehash",
        "rehashed",
        "drop the right table",
    )


def test_refuse_setting(
    make_env: t.Callable[..., Environment],
    engine: sa.Engine,
    three: dict[str, Path],
    versions: t.Any,
) -> None:
    """With ledger_mismatch 'refuse', upgrade runs nothing on an edited
    history, and says why.
    """
    env = make_env(sa.MetaData(), engine, {**LEDGER, "ledger_mismatch": "refuse"})
    env.upgrade("a")
    three["a"].write_text(three["a"].read_text().replace("t_a", "t_z"))

    with pytest.raises(RevisionError, match="edited-after-apply"):
        env.upgrade()

    assert versions(engine) == {"a"}


def test_file_gone(
    make_env: t.Callable[..., Environment], engine: sa.Engine, three: dict[str, Path]
) -> None:
    """An applied revision whose file was deleted is reported."""
    env = make_env(sa.MetaData(), engine, LEDGER)
    env.upgrade()
    env.downgrade("b")
    env.upgrade()
    three["c"].unlink()
    env.stamp("b", purge=True)  # The version table moves; the ledger holds c.
    kinds = [f.kind for f in env.verify()]
    assert kinds == ["applied-file-gone"]


def test_bad_input(
    make_env: t.Callable[..., Environment], engine: sa.Engine, three: dict[str, Path]
) -> None:
    """rehash without a ledger, without a reason, of an unknown or
    unapplied revision; a ledger of a newer layout; a bad table name: one
    clear error each.
    """
    with pytest.raises(RevisionError, match="ledger is off"):
        make_env(sa.MetaData(), engine).rehash("a", "why")

    env = make_env(sa.MetaData(), engine, LEDGER)
    env.upgrade("a")

    with pytest.raises(RevisionError, match="reason"):
        env.rehash("a", " ")

    with pytest.raises(RevisionError, match="'nope' is no revision"):
        env.rehash("nope", "why")

    with pytest.raises(RevisionError, match="applied to no database"):
        env.rehash("c", "why")

    ledger = sa.Table("alembic_ledger", sa.MetaData(), autoload_with=engine)

    with engine.begin() as connection:
        connection.execute(
            ledger.insert().values(
                revision="a",
                direction="upgrade",
                outcome="applied",
                checksum_version=1,
                layout=2,
            )
        )

    with pytest.raises(ConfigurationError, match="newer alembic-envkit"):
        env.upgrade()

    with pytest.raises(ConfigurationError, match="'ledger_table' setting"):
        make_env(sa.MetaData(), engine, {"ledger_table": "bad name;"}).upgrade()


def test_named_table_and_offline(
    make_env: t.Callable[..., Environment],
    engine: sa.Engine,
    three: dict[str, Path],
    tables: t.Any,
) -> None:
    """A named ledger table; an offline script creates it and writes the
    rows, with the checksums.
    """
    env = make_env(sa.MetaData(), engine, {**LEDGER, "ledger_table": "schema_ledger"})
    sql = env.upgrade_sql()["default"]
    assert "CREATE TABLE schema_ledger" in sql
    up, _ = file_checksums(three["c"])
    assert sql.count("INSERT INTO schema_ledger") == 3
    assert up in sql
    env.upgrade()
    assert "schema_ledger" in tables(engine)
    assert [r.revision for r in _rows(engine, "schema_ledger")] == ["a", "b", "c"]


def test_several_databases(
    make_env: t.Callable[..., Environment],
    database_url: t.Callable[[str], sa.URL],
    make_engine: t.Callable[..., sa.Engine],
    revisions: t.Any,
) -> None:
    """Each database keeps its own ledger; an edit to one database's
    functions is reported for both, since the revision file is one.
    """
    engines = {name: make_engine(database_url(name)) for name in ("default", "auth")}
    metadatas = {name: sa.MetaData() for name in engines}
    env = make_env(metadatas, engines, LEDGER)
    env.mkdir()
    revisions.write_multidb("a", None)
    path = revisions.write_multidb("b", "a")
    env.upgrade()

    for engine in engines.values():
        assert [r.revision for r in _rows(engine)] == ["a", "b"]

    path.write_text(path.read_text().replace('"a_b"', '"a_x"'))
    findings = env.verify()
    assert {f.kind for f in findings} == {"edited-after-apply"}
    named = {re.search(r"database '(\w+)'", f.message)[1] for f in findings}  # type: ignore[index]
    assert named == {"default", "auth"}


@pytest.mark.parametrize("mode", ["savepoint", "revision", "run"])
def test_row_with_its_version(
    make_env: t.Callable[..., Environment],
    engine: sa.Engine,
    revisions: t.Any,
    versions: t.Any,
    tables: t.Any,
    mode: str,
) -> None:
    """Each revision's row is written with its version row, in the same
    transaction, in every transaction mode: when the next revision fails,
    the ledger holds exactly the revisions the version table says ran.
    """
    revisions.write("a", None, _create("t_a"), "op.drop_table('t_a')")
    revisions.write("b", "a", "raise RuntimeError('b fails')", "pass")
    env = make_env(sa.MetaData(), engine, {**LEDGER, "transaction_mode": mode})

    with pytest.raises(Exception, match="b fails"):
        env.upgrade()

    applied = versions(engine)
    # In run mode the failure rolls back the ledger table's creation too.
    rows = _rows(engine) if "alembic_ledger" in tables(engine) else []
    assert [(r.revision, r.direction) for r in rows] == [
        (rev, "upgrade") for rev in sorted(applied)
    ]


@pytest.mark.parametrize("mode", ["savepoint", "revision", "run"])
def test_autocommit_block(
    make_env: t.Callable[..., Environment],
    engine: sa.Engine,
    revisions: t.Any,
    versions: t.Any,
    tables: t.Any,
    mode: str,
) -> None:
    """A revision with an autocommit block (as for CREATE INDEX
    CONCURRENTLY) ends the run's transaction and begins another: the
    revisions before it keep their rows, and those after it get theirs.
    """
    revisions.write("a", None, _create("t_a"), "op.drop_table('t_a')")
    revisions.write(
        "b",
        "a",
        "with op.get_context().autocommit_block():\n"
        "        op.create_index('ix_b', 't_a', ['id'])",
        "op.drop_index('ix_b', table_name='t_a')",
    )
    revisions.write("c", "b", _create("t_c"), "op.drop_table('t_c')")
    env = make_env(sa.MetaData(), engine, {**LEDGER, "transaction_mode": mode})
    env.upgrade()
    assert versions(engine) == {"c"}
    assert {"t_a", "t_c"} <= tables(engine)
    assert [(r.revision, r.direction) for r in _rows(engine)] == [
        ("a", "upgrade"),
        ("b", "upgrade"),
        ("c", "upgrade"),
    ]
