"""New revision files: written whole or not at all, with the umask's mode,
never through or over anything already at their path, and without leftover
temporary files.
"""

from __future__ import annotations

import os
import typing as t
from pathlib import Path

import pytest

from alembic_envkit import Environment
from alembic_envkit import RevisionError

#: Not a revision file's content: what must survive a refused write.
KEEP = "revision = 'kept'\ndown_revision = None\n# left alone\n"


@pytest.fixture
def dest(env: Environment, migrations: Path) -> Path:
    """The path a revision "hello" with id "fixed" is written to, learned by
    writing one with another id and removing it.
    """
    (script,) = env.revision("hello", empty=True, rev_id="probe")
    assert script is not None
    path = Path(script.path)
    assert path.name == "probe_hello.py"
    path.unlink()
    return migrations / path.name.replace("probe", "fixed", 1)


def _temporary_files(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.name.endswith(".tmp")]


@pytest.mark.parametrize(("umask", "mode"), [(0o027, 0o640), (0o022, 0o644)])
def test_mode_follows_umask(env: Environment, umask: int, mode: int) -> None:
    """A new revision file has the mode the umask gives a new file."""
    old = os.umask(umask)

    try:
        (script,) = env.revision("umask", empty=True, rev_id="fixed")
    finally:
        os.umask(old)

    assert script is not None
    assert os.stat(script.path).st_mode & 0o777 == mode


def test_symlink_at_destination(env: Environment, dest: Path, tmp_path: Path) -> None:
    """A symlink where the file would go is neither followed nor replaced."""
    target = tmp_path / "target.py"
    target.write_text(KEEP)
    dest.symlink_to(target)

    with pytest.raises(RevisionError, match="already exists"):
        env.revision("hello", empty=True, rev_id="fixed")

    assert dest.is_symlink()
    assert os.readlink(dest) == str(target)
    assert target.read_text() == KEEP
    assert _temporary_files(tmp_path) == []


def test_dangling_symlink_at_destination(
    env: Environment, dest: Path, tmp_path: Path
) -> None:
    """A symlink to a missing file where the file would go is refused: the
    file it points to is not created.
    """
    target = tmp_path / "elsewhere.py"
    dest.symlink_to(target)

    with pytest.raises(RevisionError, match=f"Can't find Python file {target}"):
        env.revision("hello", empty=True, rev_id="fixed")

    assert dest.is_symlink()
    assert not target.exists()
    assert _temporary_files(tmp_path) == []


def test_existing_file_at_destination(
    env: Environment, dest: Path, tmp_path: Path
) -> None:
    """A file where the new one would go is left as it is."""
    dest.write_text(KEEP)
    mtime = dest.stat().st_mtime_ns

    with pytest.raises(RevisionError, match="already exists; it was left as it is"):
        env.revision("hello", empty=True, rev_id="fixed")

    assert dest.read_text() == KEEP
    assert dest.stat().st_mtime_ns == mtime
    assert _temporary_files(tmp_path) == []


def test_no_temporary_files_after_success(
    env: Environment, migrations: Path, tmp_path: Path
) -> None:
    """Writing revisions leaves only the revision files."""
    env.revision("one", empty=True, rev_id="r1")
    env.upgrade()
    env.revision("two", rev_id="r2")
    env.revision("three", empty=True, branch="", parent="r1", splice=True, rev_id="r3")
    env.merge("heads", "four", rev_id="r4")
    assert _temporary_files(tmp_path) == []
    names = sorted(p.name for p in migrations.iterdir() if p.is_file())
    assert names == [
        "r1_one.py",
        "r2_two.py",
        "r3_three.py",
        "r4_four.py",
        "script.py.mako",
    ]


@pytest.mark.parametrize(
    ("template", "match"),
    [
        ("<%\n if\n%>\n", "template does not compile: .* at line: 2"),
        ("${\n", "template does not compile: .* at line: 1"),
        ("${no_such_name.attribute}\n", "Template rendering failed"),
        ("<% raise RuntimeError('boom') %>\n", "Template rendering failed"),
    ],
    ids=["python syntax", "unclosed expression", "undefined name", "raises"],
)
def test_rendering_fails(
    env: Environment,
    migrations: Path,
    tmp_path: Path,
    write_revision: t.Callable[..., Path],
    template: str,
    match: str,
) -> None:
    """A template that cannot be rendered is reported, and leaves no revision
    file and no temporary file.
    """
    write_revision(migrations, "r1", None)
    write_revision(migrations, "r1b", None)
    env.upgrade()
    (migrations / "script.py.mako").write_text(template)
    before = sorted(p.name for p in migrations.iterdir())

    for empty in (True, False):
        with pytest.raises(RevisionError, match=match):
            env.revision("broken", empty=empty, parent="r1", rev_id="r2")

    with pytest.raises(RevisionError, match=match):
        env.merge("heads", "merge", rev_id="r3")

    assert sorted(p.name for p in migrations.iterdir()) == before
    assert _temporary_files(tmp_path) == []
