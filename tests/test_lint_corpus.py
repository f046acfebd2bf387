"""The migration linter over its corpus: every unsafe revision in
``lint_corpus/unsafe`` raises exactly the rules its ``# expect:`` comment
names, on every dialect its ``# dialects:`` comment names; every revision in
``lint_corpus/safe`` raises none.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from alembic_envkit.lint import lint_paths

CORPUS = Path(__file__).parent / "lint_corpus"


def _cases() -> list[tuple[Path, str, frozenset[str]]]:
    cases = []

    for path in sorted(CORPUS.glob("*/*.py")):
        text = path.read_text(encoding="utf-8")
        dialects = re.search(r"^# dialects: (.+)$", text, re.MULTILINE)
        expect = re.search(r"^# expect: (.+)$", text, re.MULTILINE)
        assert dialects is not None, f"{path.name} names no dialects"
        assert (expect is not None) == (path.parent.name == "unsafe"), path.name
        rules = frozenset(
            r.strip() for r in (expect.group(1) if expect else "").split(",")
        ) - {""}

        for dialect in dialects.group(1).split(","):
            cases.append((path, dialect.strip(), rules))

    return cases


CASES = _cases()


def test_corpus_size() -> None:
    """The corpus holds at least 60 unsafe and 60 safe revisions, and covers
    PostgreSQL, MariaDB and SQLite.
    """
    unsafe = {p for p, _, rules in CASES if rules}
    safe = {p for p, _, rules in CASES if not rules}
    assert len(unsafe) >= 60
    assert len(safe) >= 60
    assert {d for _, d, _ in CASES} == {"postgresql", "mariadb", "sqlite"}


@pytest.mark.parametrize(
    ("path", "dialect", "expected"),
    CASES,
    ids=[f"{p.parent.name}/{p.stem}-{d}" for p, d, _ in CASES],
)
def test_corpus(path: Path, dialect: str, expected: frozenset[str]) -> None:
    """The linter finds exactly the expected rules in a corpus revision."""
    report = lint_paths([path], dialect)
    found = "\n".join(f.text() for f in report.findings)
    assert report.rule_ids == expected, found
    assert all(f.line > 0 for f in report.findings), found
