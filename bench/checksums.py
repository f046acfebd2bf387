"""The checksum case: whether the revision checksums of a generated history
hold through reformatting and catch edits, and the scripts its timing runs.

The checks run once, before the timing, in the benchmark's own process:
they count files, not seconds. A false alarm is a file whose checksums
change when it is reformatted with Ruff or Black, converted to CRLF line
endings, or has its comments and docstrings edited; a missed edit is a
change to a literal in ``upgrade()`` or ``downgrade()`` that leaves that
direction's checksum as it was, or changes the other's.
"""

from __future__ import annotations

import re
import shutil
import statistics
import subprocess
import sys
import time
import typing as t
from pathlib import Path

#: Times checksumming every revision file, as ``verify`` will, and writes
#: the time spent to stderr, as ``timed_flask.py`` does.
CHECKSUM_SCRIPT = '''\
"""Checksum every revision file in migrations/."""

import sys
import time
from pathlib import Path

from alembic_envkit.history import file_checksums

files = sorted(Path("migrations").glob("*.py"))
start = time.perf_counter()
sums = [file_checksums(path) for path in files]
sys.stderr.write(f"\\nbench-in-process {time.perf_counter() - start:.6f}\\n")
print(len(sums))
'''

#: The floor: the same imports, then read and parse every file, which any
#: checksum over the syntax tree must do. Each tree is dropped once made, as
#: the checksum drops it.
PARSE_FLOOR = '''\
"""Floor: read and parse every revision file in migrations/."""

import ast
from pathlib import Path

import alembic_envkit.history  # noqa: F401

files = sorted(Path("migrations").glob("*.py"))
print(sum(len(ast.parse(path.read_bytes(), str(path)).body) > 0 for path in files))
'''

Sums = dict[str, tuple[str, str]]


def write_scripts(folder: Path) -> tuple[Path, Path]:
    """Write the checksum script and its floor into ``folder``."""
    script = folder / "checksum_files.py"
    floor = folder / "floor_parse.py"
    script.write_text(CHECKSUM_SCRIPT)
    floor.write_text(PARSE_FLOOR)
    return script, floor


def check(folder: Path) -> dict[str, t.Any]:
    """Count false alarms and missed edits over ``folder/migrations``.

    :return: ``files``, and for each edit the files it changed
        (``changed``) and the files whose checksums went wrong (``wrong``),
        with the seconds the edit and its checksums took.
    """
    import black

    from alembic_envkit.history import revision_checksums

    migrations = folder / "migrations"
    texts = {p.name: p.read_text() for p in sorted(migrations.glob("*.py"))}
    sums = {name: revision_checksums(text) for name, text in texts.items()}
    mode = black.Mode()
    found: dict[str, t.Any] = {"files": len(texts)}

    def measure(name: str, edit: t.Callable[[], dict[str, str]], want: str) -> None:
        start = time.perf_counter()
        edited = edit()
        after = {file: revision_checksums(text) for file, text in edited.items()}
        found[name] = {
            "changed": sum(edited[f] != texts[f] for f in edited),
            "wrong": sum(not _as_expected(sums[f], after[f], want) for f in edited),
            "seconds": time.perf_counter() - start,
        }

    measure("ruff format", lambda: _ruff(migrations, folder / "ruff"), "neither")
    measure(
        "black",
        lambda: {f: black.format_str(s, mode=mode) for f, s in texts.items()},
        "neither",
    )
    measure("CRLF", lambda: _each(texts, lambda s: s.replace("\n", "\r\n")), "neither")
    measure("comments and docstrings", lambda: _each(texts, _prose), "neither")
    measure("edit in upgrade", lambda: _each(texts, _edit("upgrade")), "upgrade")
    measure("edit in downgrade", lambda: _each(texts, _edit("downgrade")), "downgrade")
    return found


def describe(found: dict[str, t.Any]) -> str:
    """The checks' figures, one line for each edit."""
    return "\n".join(
        f"  {name}: {v['changed']} of {found['files']} files changed,"
        f" {v['wrong']} checksums wrong, {v['seconds']:.1f}s"
        for name, v in found.items()
        if name != "files"
    )


def targets(row: dict[str, t.Any]) -> list[tuple[str, str, bool | None]]:
    """The checksum case's targets: no false alarm, no missed edit, and the
    time to checksum the history.
    """
    found = row["checks"]
    files, size = found["files"], row["size"]
    alarms = {k: v for k, v in found.items() if k != "files" and "edit" not in k}
    edits = {k: v for k, v in found.items() if "edit" in k}
    wrong = sum(v["wrong"] for v in alarms.values())
    missed = sum(v["wrong"] for v in edits.values())
    seconds = statistics.median(row["in_process_s"])
    return [
        (
            f"checksum [{size}] false alarms after reformatting",
            f"{wrong} of {files} files in "
            + ", ".join(f"{k} ({v['changed']} changed)" for k, v in alarms.items())
            + " (limit 0)",
            wrong == 0,
        ),
        (
            f"checksum [{size}] edits missed",
            f"{missed} of {sum(v['changed'] for v in edits.values())} edited files"
            " (limit 0)",
            missed == 0,
        ),
        (
            f"checksum [{size}] time to checksum every file",
            f"{seconds:.3f}s in the process, {seconds / size * 1000:.3f} ms per"
            f" file; {row['ratio']:.2f}x the parse floor",
            None,
        ),
    ]


def _as_expected(before: tuple[str, str], after: tuple[str, str], want: str) -> bool:
    """Whether only the ``want`` direction's checksum changed."""
    changed = {"upgrade": before[0] != after[0], "downgrade": before[1] != after[1]}
    return all(changed[k] == (k == want) for k in changed)


def _each(texts: dict[str, str], edit: t.Callable[[str], str]) -> dict[str, str]:
    return {name: edit(text) for name, text in texts.items()}


def _ruff(migrations: Path, copy: Path) -> dict[str, str]:
    """The files as ``ruff format`` leaves them, formatted in a copy."""
    shutil.rmtree(copy, ignore_errors=True)
    shutil.copytree(migrations, copy)
    subprocess.run(
        [sys.executable, "-m", "ruff", "format", "--isolated", "--no-cache", "-q"]
        + [str(copy)],
        check=True,
    )
    return {p.name: p.read_text() for p in sorted(copy.glob("*.py"))}


def _prose(text: str) -> str:
    """The file with its comments removed or reworded and its docstrings
    rewritten, as a reviewer's tidy-up would.
    """
    text = re.sub(r"^\s*# ### end Alembic commands ###\n", "", text, flags=re.M)
    text = text.replace("# ### commands auto generated", "# reviewed, generated")
    text = text.replace("# revision identifiers, used by Alembic.", "")
    text = text.replace('"""Upgrade schema."""', '"""Apply this revision."""')
    text = text.replace('    """Downgrade schema."""\n', "")
    return re.sub(r"^Create Date: .*$", "Create Date: today", text, flags=re.M)


def _edit(direction: str) -> t.Callable[[str], str]:
    """An edit of the first string literal in the ``direction`` function."""

    def edit(text: str) -> str:
        head, found, body = text.partition(f"\ndef {direction}()")
        assert found, direction
        return head + found + re.sub(r"'([^']*)'", r"'\1_x'", body, count=1)

    return edit
