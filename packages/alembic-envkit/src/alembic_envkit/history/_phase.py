"""Phases of a zero-downtime deploy: a revision file may declare
``phase = "expand"`` (safe before the new code is deployed) or
``phase = "contract"`` (only once the old code is gone). An expand run
applies the revisions in order and holds back, on every path, each contract
revision and everything after it. See ``docs/zero-downtime.md``.
"""

from __future__ import annotations

import ast
import typing as t

from .._errors import revision_error
from ._parse import parse
from ._phase_read import phase_assignment
from ._phase_read import PHASES

if t.TYPE_CHECKING:
    from ._revision import Revision


def held_back(revisions: t.Iterable[Revision]) -> set[str]:
    """The ids an expand run holds back among ``revisions`` (in any order):
    each contract revision, and each one after a held-back revision among
    them, through parents or dependencies.
    """
    by_id = {r.revision: r for r in revisions}
    held: set[str] = set()
    done: set[str] = set()

    for start in by_id:
        todo = [start]

        while todo:
            revision = by_id[todo[-1]]

            if revision.revision in done:
                todo.pop()
                continue

            below = [d for d in revision._all_down if d in by_id and d not in done]

            if below:
                todo.extend(below)  # Parents first; the graph has no cycle.
                continue

            todo.pop()
            done.add(revision.revision)

            if revision.phase == "contract" or any(
                d in held for d in revision._all_down
            ):
                held.add(revision.revision)

    return held


#: How to mend a merge whose phase contradicts its parents'.
MERGE_FIX = "Mark it contract, or give it no phase."


def merge_contradiction(
    phase: str | None, parents: t.Sequence[Revision], what: str
) -> str | None:
    """Why a merge of ``parents`` may not declare ``phase``, or ``None``: a
    merge marked expand after a contract parent can't run before that
    parent's contract step, so an expand run never reaches it.

    :param what: How to name the merge in the message.
    """
    if phase != "expand":
        return None

    contract = [p.revision for p in parents if p.phase == "contract"]

    if not contract:
        return None

    return (
        f"{what} is marked expand, but its parent {', '.join(contract)} is a"
        " contract revision, so an expand run never reaches it."
    )


def check_merge_phase(
    phase: str | None, parents: t.Sequence[Revision], what: str
) -> None:
    """Refuse a merge whose phase contradicts its parents', see
    :func:`merge_contradiction`.

    :raises RevisionError: If it does.
    """
    reason = merge_contradiction(phase, parents, what)

    if reason is not None:
        raise revision_error(f"{reason} {MERGE_FIX}")


def check_phase_value(phase: str | None) -> None:
    """Refuse a phase that is neither expand nor contract."""
    if phase is not None and phase not in PHASES:
        raise revision_error(
            f"Unknown phase {phase!r}: a revision's phase is 'expand' or 'contract'."
        )


def write_phase(path: str, phase: str) -> None:
    """Record ``phase`` in a new revision file's header: on the line after
    its last identifier (``depends_on``, else ``revision``), or in place of
    a ``phase`` the template already wrote.
    """
    with open(path, encoding="utf-8") as f:
        source = f.read()

    lines = source.splitlines(keepends=True)
    tree = parse(source, path)
    line = f"phase = {phase!r}\n".replace("'", '"')
    after = None

    for node in tree.body:
        if phase_assignment(node) is not None:
            lines[node.lineno - 1 : t.cast(int, node.end_lineno)] = [line]
            break

        names = _assigned_names(node)

        if "depends_on" in names or ("revision" in names and after is None):
            after = t.cast(int, node.end_lineno)
    else:
        lines.insert(len(lines) if after is None else after, line)

    with open(path, "w", encoding="utf-8") as f:
        f.write("".join(lines))


def _assigned_names(node: ast.stmt) -> set[str]:
    if isinstance(node, ast.Assign):
        return {n.id for n in node.targets if isinstance(n, ast.Name)}

    if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
        return {node.target.id}

    return set()
