"""``rebase`` moves revisions no database has applied on top of their
branch, rewriting only their ``down_revision``; the head files, where the
setting is on, follow every revision written or moved, and ``verify``
checks them.
"""

from __future__ import annotations

import typing as t
from pathlib import Path

import pytest
import sqlalchemy as sa
from click.testing import CliRunner
from click.testing import Result

from alembic_envkit import ConfigurationError
from alembic_envkit import Environment
from alembic_envkit import make_group
from alembic_envkit import RevisionError

A, B, C, D, E = (f"2026010{n}T000000000" for n in range(1, 6))

TEMPLATE = '''\
"""{message}

Revision ID: {rev}
Revises: {down}
Create Date: 2026-01-01 00:00:00

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision: str = {rev!r}
down_revision: Union[str, Sequence[str], None] = {down_literal}
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table("t_{rev}", sa.Column("id", sa.Integer, primary_key=True))


def downgrade() -> None:
    op.drop_table("t_{rev}")
'''


def _write(folder: Path, rev: str, down: str | None, *, crlf: bool = False) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{rev}_step.py"
    text = TEMPLATE.format(
        message=f"step {rev}",
        rev=rev,
        down=down or "",
        down_literal=f'"{down}"' if down else "None",
    )
    newline = "\r\n" if crlf else "\n"
    path.write_bytes(text.replace("\n", newline).encode("utf-8"))
    return path


def _run(env: Environment, *args: str) -> Result:
    return CliRunner().invoke(make_group(lambda: env), list(args))


@pytest.fixture
def forked(migrations: Path) -> dict[str, Path]:
    """A -> B -> C on one side of a merge, A -> B -> D -> E on the other:
    two heads, C and E.
    """
    return {
        rev: _write(migrations, rev, down)
        for rev, down in [(A, None), (B, A), (C, B), (D, B), (E, D)]
    }


def test_rebase_moves_the_run(
    env: Environment, forked: dict[str, Path], engine: sa.Engine, tables: t.Any
) -> None:
    """D goes onto C, E with it; the file changes in down_revision only
    (the docstring's Revises line stays), and the history then upgrades in
    one line.
    """
    before = forked[D].read_bytes()
    (moved,) = env.rebase(D)
    assert (moved.revision, moved.old_parent, moved.new_parent) == (D, B, C)
    after = forked[D].read_bytes()
    assert after == before.replace(
        f'down_revision: Union[str, Sequence[str], None] = "{B}"'.encode(),
        f'down_revision: Union[str, Sequence[str], None] = "{C}"'.encode(),
    )
    assert f"Revises: {B}".encode() in after
    assert [h.revision for h in env.heads()] == [E]
    assert env.verify() == []
    env.upgrade()
    assert {f"t_{r}" for r in (A, B, C, D, E)} <= tables(engine)


def test_rebase_keeps_crlf(env: Environment, migrations: Path) -> None:
    """A file with CRLF line endings keeps them."""
    _write(migrations, A, None, crlf=True)
    _write(migrations, B, A, crlf=True)
    c = _write(migrations, C, A, crlf=True)
    env.rebase(C)
    data = c.read_bytes()
    assert data.count(b"\r\n") == data.count(b"\n")
    assert f'= "{B}"\r\n'.encode() in data


def test_rebase_refuses_applied(
    env: Environment, forked: dict[str, Path], versions: t.Any, engine: sa.Engine
) -> None:
    """A revision applied in a database is refused with the database's name,
    and no file changes.
    """
    env.upgrade(E)
    files = {p: p.read_bytes() for p in forked.values()}

    with pytest.raises(RevisionError, match=rf"{D}' is applied in database 'default'"):
        env.rebase(D)

    assert {p: p.read_bytes() for p in forked.values()} == files
    assert versions(engine) == {E}


def test_rebase_refuses_applied_on_any_database(
    multi_env: Environment, migrations: Path, auth_engine: sa.Engine
) -> None:
    """Applied in the second database only is refused too, naming it."""
    _write(migrations, A, None)
    _write(migrations, B, A)
    _write(migrations, C, A)

    with auth_engine.begin() as connection:
        connection.execute(
            sa.text("create table alembic_version (version_num varchar(32))")
        )
        connection.execute(sa.text(f"insert into alembic_version values ('{C}')"))

    with pytest.raises(RevisionError, match="applied in database 'auth'"):
        multi_env.rebase(C)


def test_rebase_refuses_applied_on_a_tenant(
    make_env: t.Callable[..., Environment],
    metadata: sa.MetaData,
    engine: sa.Engine,
    forked: dict[str, Path],
    tmp_path: Path,
) -> None:
    """Where tenants are configured, a revision one tenant has applied is
    refused too, naming the tenant, though the primary database has not;
    once no tenant has it, it moves.
    """
    env = make_env(
        metadata, engine, {"tenants": lambda: ["acme", "initech"], "tenant_folder": "t"}
    )
    env.tenants.upgrade(D, tenants=["initech"])
    files = {p: p.read_bytes() for p in forked.values()}

    with pytest.raises(
        RevisionError,
        match=rf"{D}' is applied in database 'default \(tenant initech\)'",
    ):
        env.rebase(D)

    assert {p: p.read_bytes() for p in forked.values()} == files
    assert (tmp_path / "t" / "initech.sqlite").exists()
    assert not (tmp_path / "t" / "acme.sqlite").exists()
    env.tenants.downgrade(B, tenants=["initech"])
    assert [r.revision for r in env.rebase(D)] == [D]
    env.close()


def test_bad_input_changes_nothing(env: Environment, forked: dict[str, Path]) -> None:
    """An unknown revision, a root, and a list with a bad revision after a
    good one: one clear error each, and every file as it was.
    """
    files = {p: p.read_bytes() for p in forked.values()}

    with pytest.raises(RevisionError, match="'nope' is no revision"):
        env.rebase("nope")

    with pytest.raises(RevisionError, match="is a root"):
        env.rebase(A)

    with pytest.raises(RevisionError, match="'nope' is no revision"):
        env.rebase([D, "nope"])

    assert {p: p.read_bytes() for p in forked.values()} == files


def test_already_on_top(env: Environment, forked: dict[str, Path]) -> None:
    """Rebasing twice moves once; the second finds nothing to do."""
    assert len(env.rebase(D)) == 1
    assert env.rebase(D) == []


def test_rebase_command(env: Environment, forked: dict[str, Path]) -> None:
    """The command prints each move; a bad revision is one error line and
    exit 1.
    """
    result = _run(env, "rebase", D[:10] + D[10:])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith(f"Rebased {D} onto {C} (was {B}): ")
    result = _run(env, "rebase", D)
    assert result.stdout == (
        "Nothing to rebase: the revisions are on top of their branch.\n"
    )
    result = _run(env, "rebase", "nope")
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert result.stderr.strip().splitlines()[-1].startswith("Error: 'nope' is no")


def test_head_file(
    make_env: t.Callable[..., Environment],
    metadata: sa.MetaData,
    engine: sa.Engine,
    migrations: Path,
) -> None:
    """With ``head_file``, revision, merge and rebase rewrite the folder's
    head file; verify reports a stale one and a merge conflict in it.
    """
    env = make_env(metadata, engine, {"head_file": True})
    env.mkdir()
    head = migrations / "HEAD"
    first = env.revision("first", empty=True, rev_id=A)[0]
    assert first is not None
    assert head.read_text().splitlines()[1:] == [A]
    env.revision("second", empty=True, rev_id=B)
    assert head.read_text().splitlines()[1:] == [B]
    assert env.verify() == []

    # Another branch of the code added C on A; git merged the files and
    # the head file conflicted.
    _write(migrations, C, A)
    head.write_text(f"<<<<<<< ours\n{B}\n=======\n{C}\n>>>>>>> theirs\n")
    kinds = [f.kind for f in env.verify()]
    assert kinds == ["multiple-heads"]
    env.rebase(C)
    assert head.read_text().splitlines()[1:] == [C]
    assert env.verify() == []
    head.write_text(f"{A}\n")
    (finding,) = env.verify()
    assert finding.kind == "head-file"
    assert f"names '{A}'; the folder's head is '{C}'" in finding.message
    _write(migrations, D, C)
    _write(migrations, E, C)
    env.merge(rev_id="20260106T000000000")
    assert head.read_text().splitlines()[1:] == ["20260106T000000000"]


def test_head_file_setting_checked(
    make_env: t.Callable[..., Environment], metadata: sa.MetaData, engine: sa.Engine
) -> None:
    """A head file name with a folder in it is refused, naming the setting."""
    env = make_env(metadata, engine, {"head_file": "../HEAD"})
    env.mkdir()

    with pytest.raises(ConfigurationError, match="'head_file' setting"):
        env.verify()
