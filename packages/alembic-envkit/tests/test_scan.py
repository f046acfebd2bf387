"""Reading revision headers without running the files, and the cache kept
in ``__pycache__``: never stale, shared safely, written only for a history
that holds together.
"""

from __future__ import annotations

import marshal
import os
import subprocess
import sys
import typing as t
from pathlib import Path

import pytest

from alembic_envkit import Environment
from alembic_envkit import RevisionError
from alembic_envkit.history._scan import list_files
from alembic_envkit.history._scan import RACY_WINDOW_NS
from alembic_envkit.history._scan import read_header
from alembic_envkit.history._scan import Scan
from alembic_envkit.history._scan import write_cache

HEADER = '''"""Add users

Revision ID: {rev}
"""
from alembic import op

revision{ann} = {rev!r}
down_revision{ann} = {down!r}
branch_labels{ann} = {labels!r}
depends_on{ann} = {depends!r}


def upgrade():
    pass


def downgrade():
    pass
'''


def _file(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def _header(rev: str, down: t.Any = None, **kw: t.Any) -> str:
    return HEADER.format(
        rev=rev,
        down=down,
        labels=kw.get("labels"),
        depends=kw.get("depends"),
        ann=kw.get("ann", ""),
    )


@pytest.mark.parametrize(
    ("text", "expect"),
    [
        (_header("a1"), ("a1", None, (), None)),
        (_header("b2", "a1", ann=": str"), ("b2", "a1", (), None)),
        (_header("c3", ("a1", "b2")), ("c3", ("a1", "b2"), (), None)),
        (_header("c3", ["a1", "b2"]), ("c3", ("a1", "b2"), (), None)),
        (_header("d4", None, labels="x"), ("d4", None, ("x",), None)),
        (_header("d4", None, labels=("x", "y")), ("d4", None, ("x", "y"), None)),
        (_header("e5", "d4", depends=["a1"]), ("e5", "d4", (), "a1")),
        (_header("e5", "d4", depends=()), ("e5", "d4", (), None)),
    ],
)
def test_read_header(tmp_path: Path, text: str, expect: tuple[t.Any, ...]) -> None:
    """Literal assignments, annotated or not, as Alembic would see them."""
    path = _file(tmp_path, "r.py", text)
    header = read_header(str(path))
    assert header is not None
    assert header[:4] == expect
    assert header[4] == f"Add users\n\nRevision ID: {expect[0]}"
    assert header[5] == str(path)


@pytest.mark.parametrize(
    "text",
    [
        "revision = 'a' + 'b'\ndown_revision = None\n",
        "import os\nrevision = os.environ.get('REV', 'ab')\ndown_revision = None\n",
        "revision = 'ab'\nrevision = 'cd'\ndown_revision = None\n",
        "revision = 'ab'\nif True:\n    down_revision = None\n",
        "revision = 'ab'\ndown_revision = None\nfor revision in ['cd']:\n    pass\n",
        "revision = 'ab'\nfrom somewhere import *\n",
        "from ids import revision\ndown_revision = None\n",
        "revision = 'ab'\ndown_revision = None\nglobals()['revision'] = 'cd'\n",
        "revision = 'ab'\ndown_revision = 42\n",
        "down_revision = None\n",
        "revision = 'ab'\ndef f():\n    global revision\n    revision = 'cd'\nf()\n",
        "revision = 'ab'\ndown_revision = None\nrevision += 'x'\n",
        "this is not python\n",
    ],
)
def test_read_header_gives_up(tmp_path: Path, text: str) -> None:
    """A header set any other way than by one literal assignment each is not
    read statically; the file is imported instead.
    """
    assert read_header(str(_file(tmp_path, "r.py", text))) is None


def test_fallback_imports_the_file(env: Environment, tmp_path: Path) -> None:
    """A computed header is learned by running the file, as Alembic does,
    and is not cached: it may change without the file changing.
    """
    folder = tmp_path / "migrations"
    _file(folder, "a.py", _header("a1"))
    _file(
        folder,
        "b.py",
        '"""computed"""\nimport os\n'
        "revision = os.environ.get('ENVKIT_TEST_REV', 'b2')\n"
        "down_revision = 'a1'\n",
    )
    assert [r.revision for r in env.heads()] == ["b2"]
    assert env.heads()[0].doc == "computed"
    cache = _cache(folder)
    assert sorted(cache) == ["a.py"]


def test_legacy_file_name(env: Environment, tmp_path: Path) -> None:
    """A file with no ``revision`` whose name is a hex id is that revision,
    as in very old Alembic projects.
    """
    folder = tmp_path / "migrations"
    _file(folder, "ab12.py", "down_revision = None\n")
    assert [r.revision for r in env.heads()] == ["ab12"]


def test_no_revision_is_an_error(env: Environment, tmp_path: Path) -> None:
    """A file that declares no revision and has no id for a name is
    refused, naming the file.
    """
    _file(tmp_path / "migrations", "notes.py", "down_revision = None\n")

    with pytest.raises(RevisionError, match="notes.py: it sets no 'revision'"):
        env.heads()


def _cache(folder: Path) -> dict[str, t.Any]:
    data = marshal.loads(
        (folder / "__pycache__" / "alembic_envkit.revisions").read_bytes()
    )
    return t.cast(dict[str, t.Any], data[2])


def test_cache_written_beside_bytecode(env: Environment, tmp_path: Path) -> None:
    """The cache is in the folder's ``__pycache__``, readable like the
    bytecode Python writes there, with one entry per file.
    """
    folder = tmp_path / "migrations"
    _file(folder, "a.py", _header("a1"))
    _file(folder, "b.py", _header("b2", "a1"))
    env.heads()
    path = folder / "__pycache__" / "alembic_envkit.revisions"
    umask = os.umask(0)
    os.umask(umask)
    assert path.stat().st_mode & 0o777 == 0o666 & ~umask
    assert sorted(_cache(folder)) == ["a.py", "b.py"]
    assert os.listdir(folder / "__pycache__") == ["alembic_envkit.revisions"]


def test_cache_is_used(env: Environment, tmp_path: Path) -> None:
    """An unchanged file is not read again: what the cache says is used."""
    folder = tmp_path / "migrations"
    _file(folder, "a.py", _header("a1"))
    env.heads()
    cache_path = folder / "__pycache__" / "alembic_envkit.revisions"
    fmt, name, entries = marshal.loads(cache_path.read_bytes())
    key, header = entries["a.py"]
    entries["a.py"] = (key, (header[0], *header[1:4], "from the cache", header[5]))
    cache_path.write_bytes(marshal.dumps((fmt, name, entries)))
    _set_mtime(cache_path, max(key[1], key[2]) + 10**10)
    files = list_files([str(folder)])
    assert Scan(files).headers[0][4] == "from the cache"


def _set_mtime(path: Path, mtime_ns: int) -> None:
    os.utime(path, ns=(path.stat().st_atime_ns, mtime_ns))


def _racy_cache(folder: Path) -> tuple[Path, tuple[int, int, int]]:
    """Write ``b.py`` as ``b2``, then rewrite it as ``b3`` (same size) and
    write a cache that still says ``b2`` under the key of the new file, as a
    read of ``b2`` whose cache write lands in the same timestamp tick as the
    edit leaves it. Returns the cache's path and the file's key.
    """
    path = _file(folder, "b.py", _header("b2"))
    old = read_header(str(path))
    path.write_text(_header("b3"), encoding="utf-8")
    ((_, name, real, key),) = list_files([str(folder)])
    assert old is not None and old[5] == real
    write_cache(str(folder), {name: (key, old)})
    return folder / "__pycache__" / "alembic_envkit.revisions", key


def test_racy_entry_is_read_again(tmp_path: Path) -> None:
    """An entry whose file changed in the same tick as the cache write is
    not trusted: the file is read again, and the cache rewritten with what it
    says.
    """
    folder = tmp_path / "migrations"
    cache_path, key = _racy_cache(folder)
    _set_mtime(cache_path, key[1])
    scan = Scan(list_files([str(folder)]))
    assert [h[0] for h in scan.headers] == ["b3"]
    scan.save()
    assert _cache(folder)["b.py"][1][0] == "b3"


def test_racy_read_in_process_is_read_again(env: Environment, tmp_path: Path) -> None:
    """A long-running process does not keep what it read from a file that
    changed in the tick of its read: a same-size edit whose key is the one
    the process listed is still seen.
    """
    folder = tmp_path / "migrations"
    path = _file(folder, "b.py", _header("b2"))
    assert [r.revision for r in env.heads()] == ["b2"]
    path.write_text(_header("b3"), encoding="utf-8")
    # As if the listing the graph was read with had come after the edit,
    # in the same tick: the key it remembers is the edited file's.
    env.history._graph_files = list_files([str(folder)])
    assert [r.revision for r in env.heads()] == ["b3"]


def test_entry_older_than_window_is_trusted(tmp_path: Path) -> None:
    """The same entry, with the cache written well after the file's times,
    is taken from the cache without reading the file.
    """
    folder = tmp_path / "migrations"
    cache_path, key = _racy_cache(folder)
    _set_mtime(cache_path, max(key[1], key[2]) + RACY_WINDOW_NS + 1)
    assert [h[0] for h in Scan(list_files([str(folder)])).headers] == ["b2"]


def _edit(path: Path, text: str, *, same_mtime: bool) -> None:
    st = path.stat()
    path.write_text(text, encoding="utf-8")

    if same_mtime:
        os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))


@pytest.mark.parametrize("same_mtime", [False, True])
def test_edit_is_seen(env: Environment, tmp_path: Path, same_mtime: bool) -> None:
    """An edited file is read again, also when its modification time was
    put back and only the size differs, by a new process and by the same
    long-running one.
    """
    folder = tmp_path / "migrations"
    _file(folder, "a.py", _header("a1"))
    path = _file(folder, "b.py", _header("b2", "a1"))
    assert [r.revision for r in env.heads()] == ["b2"]
    _edit(path, _header("b3", "a1"), same_mtime=same_mtime)
    assert [r.revision for r in env.heads()] == ["b3"]
    assert [h[0] for h in Scan(list_files([str(folder)])).headers] == ["a1", "b3"]


def test_same_size_same_mtime_is_seen(env: Environment, tmp_path: Path) -> None:
    """A rewrite that keeps the size and puts the modification time back is
    still seen: the change time is part of the key.
    """
    folder = tmp_path / "migrations"
    _file(folder, "a.py", _header("a1"))
    path = _file(folder, "b.py", _header("b2", "a1"))
    env.heads()
    _edit(path, _header("b9", "a1"), same_mtime=True)
    assert [r.revision for r in env.heads()] == ["b9"]


def test_add_delete_rename(env: Environment, tmp_path: Path) -> None:
    """Added, deleted and renamed files are seen on the next read."""
    folder = tmp_path / "migrations"
    _file(folder, "a.py", _header("a1"))
    assert [r.revision for r in env.heads()] == ["a1"]
    _file(folder, "b.py", _header("b2", "a1"))
    assert [r.revision for r in env.heads()] == ["b2"]
    (folder / "b.py").rename(folder / "c.py")
    (revision,) = env.heads()
    assert revision.path == str((folder / "c.py").resolve())
    (folder / "c.py").unlink()
    assert [r.revision for r in env.heads()] == ["a1"]
    assert sorted(_cache(folder)) == ["a.py"]


def test_results_equal_full_import(env: Environment, tmp_path: Path) -> None:
    """The cached graph answers as one read from scratch, and as Alembic
    importing every file.
    """
    from alembic.script import ScriptDirectory

    folder = tmp_path / "migrations"
    _file(folder, "a.py", _header("a1"))
    _file(folder, "b.py", _header("b2", "a1", labels="x"))
    _file(folder, "c.py", _header("c3", "a1"))
    _file(folder, "d.py", _header("d4", ("b2", "c3"), depends="a1"))
    first = [_text(r) for r in env.log()]
    second = [_text(r) for r in env.log()]
    script = ScriptDirectory.from_config(env.config)
    assert first == second == [_text(s) for s in script.walk_revisions()]


def _text(revision: t.Any) -> list[str]:
    """The verbose text, with comma lists sorted: Alembic lists sets, in an
    order that changes between processes.
    """
    lines = []

    for line in revision.cmd_format(True).splitlines():
        if line.startswith(("Branches into", "Branch names")):
            key, values = line.split(": ", 1)
            line = f"{key}: {', '.join(sorted(values.split(', ')))}"

        lines.append(line)

    return lines


def test_unwritable_cache_folder(env: Environment, tmp_path: Path) -> None:
    """Where ``__pycache__`` cannot be created, reads work without a cache."""
    folder = tmp_path / "migrations"
    _file(folder, "a.py", _header("a1"))
    (folder / "__pycache__").write_text("not a folder")
    assert [r.revision for r in env.heads()] == ["a1"]
    assert (folder / "__pycache__").read_text() == "not a folder"


def test_corrupt_cache_is_ignored(env: Environment, tmp_path: Path) -> None:
    """A cache that cannot be read is replaced, not trusted."""
    folder = tmp_path / "migrations"
    _file(folder, "a.py", _header("a1"))
    (folder / "__pycache__").mkdir()
    (folder / "__pycache__" / "alembic_envkit.revisions").write_bytes(b"\x00junk")
    assert [r.revision for r in env.heads()] == ["a1"]
    assert sorted(_cache(folder)) == ["a.py"]


_WRITER = """
import sys
from alembic_envkit.history._scan import read_cache, write_cache, list_files
from alembic_envkit.history._headers import read_header

folder = sys.argv[1]
files = list_files([folder])
entries = {name: (key, read_header(real)) for _, name, real, key in files}

for _ in range(50):
    write_cache(folder, entries)
    got, _ = read_cache(folder)
    assert got == entries, sorted(got)
"""


def test_concurrent_writers(tmp_path: Path) -> None:
    """Processes writing the cache at once leave a whole, correct cache and
    no temporary files.
    """
    folder = tmp_path / "migrations"

    for i in range(30):
        _file(
            folder, f"r{i:02d}.py", _header(f"r{i:02d}", f"r{i - 1:02d}" if i else None)
        )

    procs = [
        subprocess.Popen([sys.executable, "-c", _WRITER, str(folder)]) for _ in range(4)
    ]
    assert [p.wait(timeout=120) for p in procs] == [0, 0, 0, 0]
    assert os.listdir(folder / "__pycache__") == ["alembic_envkit.revisions"]
    headers = Scan(list_files([str(folder)])).headers
    assert [h[0] for h in headers] == [f"r{i:02d}" for i in range(30)]
    assert len(_cache(folder)) == 30


def test_cache_saved_only_when_the_command_succeeds(
    env: Environment, tmp_path: Path
) -> None:
    """A command that fails after reading the revisions writes no cache; the
    same read in a command that succeeds does.
    """
    folder = tmp_path / "migrations"
    _file(folder, "a.py", _header("a1"))
    cache = folder / "__pycache__" / "alembic_envkit.revisions"

    with pytest.raises(RevisionError, match="Can't locate revision"):
        with env.command():
            env.heads()
            env.show("nope")

    assert not cache.exists()

    with env.command():
        env.heads()
        assert not cache.exists()

    assert sorted(_cache(folder)) == ["a.py"]


def test_sourceless(
    make_env: t.Callable[..., Environment],
    metadata: t.Any,
    engine: t.Any,
    tmp_path: Path,
) -> None:
    """With Alembic's ``sourceless`` option, revisions shipped as bytecode
    only are found, read and run; a new one is seen on the next read.
    """
    import py_compile

    env = make_env(metadata, engine, {"sourceless": True})
    env.mkdir()
    folder = tmp_path / "migrations"

    for name, text in [("a.py", _header("a1")), ("b.py", _header("b2", "a1"))]:
        source = _file(folder, name, text)
        py_compile.compile(str(source), cfile=str(source) + "c", doraise=True)
        source.unlink()

    assert [r.revision for r in env.heads()] == ["b2"]
    assert env.heads()[0].doc == "Add users"
    env.upgrade()
    assert [r.revision for r in env.current()] == ["b2"]
    source = _file(folder, "c.py", _header("c3", "b2"))
    py_compile.compile(str(source), cfile=str(source) + "c", doraise=True)
    source.unlink()
    assert [r.revision for r in env.heads()] == ["c3"]
    assert not (folder / "__pycache__" / "alembic_envkit.revisions").exists()
