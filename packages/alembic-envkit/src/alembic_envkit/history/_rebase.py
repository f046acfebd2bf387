"""Rebase: put a revision that no database has applied, and the revisions
after it, on top of the current head of its branch, by rewriting its
``down_revision`` in its file and keeping every other byte.

This is what a team does by hand after merging two branches of the code
that each added a revision: the history has two heads, and the revisions
not yet deployed anywhere move on top of the ones that were.
"""

from __future__ import annotations

import ast
import io
import tokenize
import typing as t
from dataclasses import dataclass

from .._errors import revision_error
from ._files import replace_file
from ._parse import parse

if t.TYPE_CHECKING:
    from ._graph import RevisionGraph
    from ._history import History


@dataclass(frozen=True)
class Rebased:
    """One revision moved by :func:`plan_rebase`."""

    #: The revision moved.
    revision: str
    #: Its parent before.
    old_parent: str
    #: Its parent now: the head it was put on.
    new_parent: str
    #: Its file.
    path: str


def applied(graph: RevisionGraph, rows: t.Iterable[str]) -> set[str]:
    """The revisions a version table holding ``rows`` has applied: each row
    and everything it descends from or depends on.
    """
    return graph.reach([r for r in rows if r in graph], lambda r: r._all_down)


def plan_rebase(
    graph: RevisionGraph, rev: str, applied_by_database: t.Mapping[str, set[str]]
) -> Rebased | None:
    """Where ``rev`` goes: onto the one head of its branch that is not
    ``rev`` or after it; ``None`` when it is already on top.

    :param rev: An exact revision id.
    :param applied_by_database: The revisions each database has applied.
    :raises RevisionError: If the revision is unknown, has no single parent,
        is applied in a database (named), or could go onto several heads.
    """
    revision = graph.revisions.get(rev)

    if revision is None:
        raise revision_error(f"{rev!r} is no revision; give a revision id to rebase.")

    if not isinstance(revision.down_revision, str):
        what = "a merge" if revision.down_revision else "a root"
        raise revision_error(
            f"Revision {rev!r} is {what}; rebase moves a revision with one"
            " parent. Merge the heads instead."
        )

    moving = graph.reach([rev], lambda r: r.nextrev)

    for name, done in applied_by_database.items():
        if on := sorted(moving & done):
            raise revision_error(
                f"Revision {on[0]!r} is applied in database {name!r}; rebase"
                " only moves revisions no database has applied. Downgrade that"
                " database below it first, or write a new revision."
            )

    fork = graph.lineage(revision.down_revision)
    onto = [h for h in graph.heads if h not in moving and graph.lineage(h) & fork]

    if revision.down_revision in onto or not onto:
        return None

    if len(onto) > 1:
        listed = ", ".join(repr(h) for h in onto)
        raise revision_error(
            f"Revision {rev!r} could go onto several heads: {listed}. Merge"
            " those first, then rebase."
        )

    return Rebased(rev, revision.down_revision, onto[0], revision.path)


def rewrite_parent(path: str, old: str, new: str) -> None:
    """Change the ``down_revision`` of a revision file from ``old`` to
    ``new`` in place; every other byte stays, the docstring's informational
    ``Revises:`` line too. The file is replaced whole.

    :raises RevisionError: If the file does not assign ``old`` to
        ``down_revision`` as a plain string.
    """
    with open(path, "rb") as f:
        data = f.read()

    encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    text = data.decode(encoding)
    tree = parse(text, path)
    spans = []

    for node in tree.body:
        target, value = _assignment(node)

        if target == "down_revision":
            if not (isinstance(value, ast.Constant) and value.value == old):
                raise revision_error(
                    f"{path} does not set down_revision = {old!r} as a plain"
                    " string; change it by hand."
                )

            spans.append((_offset(text, value, start=True), _offset(text, value)))

    if len(spans) != 1:
        raise revision_error(f"{path} sets down_revision {len(spans)} times.")

    start, end = spans[0]
    literal = text[start:end]
    quote = literal[-1]
    text = (
        text[:start]
        + f"{literal[: literal.index(quote)]}{quote}{new}{quote}"
        + text[end:]
    )
    replace_file(path, text.encode(encoding))


def _assignment(node: ast.stmt) -> tuple[str | None, ast.expr | None]:
    if isinstance(node, ast.Assign) and len(node.targets) == 1:
        target = node.targets[0]
        return (target.id if isinstance(target, ast.Name) else None), node.value

    if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
        return node.target.id, node.value

    return None, None


def _offset(text: str, node: ast.expr | ast.stmt, *, start: bool = False) -> int:
    """A node's start or end as an index into ``text``: the parser counts
    columns in UTF-8 bytes.
    """
    line = node.lineno if start else t.cast(int, node.end_lineno)
    column = node.col_offset if start else t.cast(int, node.end_col_offset)
    # Lines as the parser counts them: ended by \n, \r\n or \r only.
    lines = io.StringIO(text, newline="").readlines()
    before = sum(len(x) for x in lines[: line - 1])
    return before + len(lines[line - 1].encode("utf-8")[:column].decode("utf-8"))


def rebase(
    history: History, ids: t.Sequence[str], rows: t.Mapping[str, t.Sequence[str]]
) -> list[Rebased]:
    """Rebase each revision in turn, onto the head of its branch as the
    revisions before it left it; the ones moved. On an error, every file
    rewritten is put back as it was.

    :param ids: Revision ids or unique starts of them.
    :param rows: Each database's version table rows.
    """
    done: list[Rebased] = []
    saved: dict[str, bytes] = {}

    try:
        for value in ids:
            graph = history.graph
            rev = _resolve(graph, value)
            by_database = {name: applied(graph, r) for name, r in rows.items()}
            plan = plan_rebase(graph, rev, by_database)

            if plan is None:
                continue

            with open(plan.path, "rb") as f:
                saved.setdefault(plan.path, f.read())

            rewrite_parent(plan.path, plan.old_parent, plan.new_parent)
            history.wrote(plan.path)
            done.append(plan)
    except BaseException:
        for path, data in saved.items():
            replace_file(path, data)

        raise

    return done


def _resolve(graph: RevisionGraph, value: str) -> str:
    if value in graph:
        return value

    found = [rev for rev in graph.revisions if rev.startswith(value)]

    if len(found) == 1 and value:
        return found[0]

    what = "matches several revisions" if found else "is no revision"
    raise revision_error(f"{value!r} {what}; give a revision id to rebase.")
