"""Profiling the benchmark's cases: each command once more under cProfile,
summarised by where the time is spent (self time by package).
"""

from __future__ import annotations

import collections
import pstats
import re
from pathlib import Path

#: Our packages, told apart from everything else in site-packages.
OURS = ("alembic_envkit", "flask_alembic")


def profiled(argv: list[str], out: Path) -> list[str] | None:
    """The same command under cProfile, writing to ``out``; ``None`` for a
    ``python -c`` command, which cProfile cannot run.
    """
    python, *rest = argv

    if rest[:1] == ["-c"]:
        return None

    return [python, "-m", "cProfile", "-o", str(out), *rest]


def slug(label: str) -> str:
    """A file name for a case label."""
    return re.sub(r"\W+", "-", label).strip("-")


def by_package(path: Path, top: int = 8) -> list[tuple[str, float, float]]:
    """Self time by package: ours, alembic, sqlalchemy, the sqlite3 driver's
    ``execute`` (the database's work), the revision files, imports, and the
    rest. Each row is (name, seconds, share).
    """
    stats = pstats.Stats(str(path)).stats  # type: ignore[attr-defined]
    totals: collections.Counter[str] = collections.Counter()

    for (file, _, function), (_, _, self_time, _, _) in stats.items():
        totals[_bucket(file, function)] += self_time

    whole = sum(totals.values()) or 1.0
    return [(name, s, s / whole) for name, s in totals.most_common(top)]


def _bucket(file: str, function: str) -> str:
    if file == "~":
        if "sqlite3.Cursor" in function and "execute" in function:
            return "sqlite3 execute (database)"

        if "marshal" in function or "read" in function:
            return "reading files, unmarshal"

        return "other built-ins"

    if "site-packages/" in file:
        package = file.split("site-packages/", 1)[1].split("/", 1)[0]
        return package.removesuffix(".py")

    for name in OURS:
        if f"/{name}/" in file:
            return f"ours ({name})"

    if "/migrations/" in file:
        return "revision files"

    if file.startswith("<frozen") or "importlib" in file:
        return "import system"

    return "stdlib, other"
