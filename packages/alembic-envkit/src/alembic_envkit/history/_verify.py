"""Check a history the way a team's CI gate would: every problem at once,
each as a :class:`Finding` that names the files and the fix.

It works from the revision files' headers, without building the graph
first (the graph refuses the first problem it meets) and without running a
revision or importing Alembic.
"""

from __future__ import annotations

import typing as t

from .._errors import EnvkitError
from ._findings import error
from ._findings import Finding
from ._graph import RevisionGraph
from ._head_files import check_head_files
from ._head_files import head_file_name
from ._naming import check_file_names
from ._naming import check_ids
from ._naming import id_pattern_setting
from ._phase import merge_contradiction
from ._phase import MERGE_FIX
from ._revision import as_tuple

if t.TYPE_CHECKING:
    from ._headers import Header
    from ._history import History


def _names(ids: t.Iterable[str]) -> str:
    return ", ".join(repr(i) for i in ids)


def verify(history: History) -> list[Finding]:
    """Every problem in a history: its files, their headers and how they
    link, errors and warnings.
    """
    headers, unreadable = history.read_headers()
    findings = [
        error(
            "unreadable",
            (path,),
            f"The file can't be read: {why}",
            "Fix it, or move it out of the version locations.",
        )
        for path, why in unreadable
    ]
    name = head_file_name(history.settings.options)
    findings += check_headers(
        headers,
        file_template=history.settings.main_options.get("file_template"),
        id_pattern=id_pattern_setting(history.settings.options),
        head_files=None if name is None or unreadable else (history.folders, name),
    )

    if not any(f.severity == "error" for f in findings):
        findings += _check_merge_phases(history.graph)

    return findings


def _check_merge_phases(graph: RevisionGraph) -> list[Finding]:
    """A merge marked expand after a contract parent; a merge whose phase
    can't be read. Only merges' files (and their parents') are read.
    """
    findings = []

    for rev in graph.revisions:
        merge = graph[rev]

        if not merge.is_merge_point:
            continue

        parents = [graph[p] for p in as_tuple(merge.down_revision)]

        try:
            reason = merge_contradiction(merge.phase, parents, f"Merge {rev}")
        except EnvkitError as e:  # An unreadable phase.
            findings.append(
                error("invalid-phase", (merge.path,), str(e), "Fix the phase.")
            )
            continue

        if reason is not None:
            paths = (merge.path, *(p.path for p in parents if p.phase == "contract"))
            findings.append(error("phase-contradiction", paths, reason, MERGE_FIX))

    return findings


def check_headers(
    headers: t.Sequence[Header],
    *,
    file_template: str | None = None,
    id_pattern: str | None = None,
    head_files: tuple[t.Sequence[str], str] | None = None,
) -> list[Finding]:
    """Every problem in a history, from its files' headers.

    :param headers: Each readable revision file's header.
    :param file_template: Alembic's ``file_template`` option; the file
        names are checked against the ids where it holds ``%(rev)s``.
    :param id_pattern: What a revision id must match (a regular
        expression, matched in full); Alembic's scheme unless given.
    :param head_files: The version locations and the head file's name,
        to check the head files against the graph when all else is right.
    """
    findings: list[Finding] = []
    by_id: dict[str, list[Header]] = {}

    for header in headers:
        by_id.setdefault(header[0], []).append(header)

    for rev, same in by_id.items():
        if len(same) > 1:
            findings.append(
                error(
                    "duplicate-id",
                    (h[5] for h in same),
                    f"Revision id {rev!r} is declared by {len(same)} files.",
                    "Give all but one of them a new id, and point their"
                    " children's down_revision at it.",
                )
            )

    unique = {rev: same[0] for rev, same in by_id.items()}
    findings += _check_links(unique)
    findings += _check_cycles(unique)

    graph = None

    if not any(f.severity == "error" for f in findings):
        try:
            graph = RevisionGraph(unique.values())
        except EnvkitError:
            pass  # Reported above, in its parts.
        else:
            findings += _check_branches(graph)

    findings += check_file_names(headers, file_template, id_pattern)
    findings += check_ids(unique, id_pattern)

    if head_files is not None and graph is not None:
        if not any(f.severity == "error" for f in findings):
            findings += check_head_files(graph, *head_files)

    return findings


def _check_links(unique: dict[str, Header]) -> list[Finding]:
    """Branch labels used twice, and parents or dependencies that name
    nothing.
    """
    findings = []
    labels: dict[str, Header] = {}

    for header in unique.values():
        for label in header[2]:
            owner = labels.get(label) or unique.get(label)

            if owner is not None and owner is not header:
                findings.append(
                    error(
                        "duplicate-label",
                        (owner[5], header[5]),
                        f"Branch name {label!r} of revision {header[0]!r} is"
                        f" already the {'id' if label in unique else 'branch name'}"
                        f" of revision {owner[0]!r}.",
                        "Rename one of the branch labels.",
                    )
                )
            else:
                labels[label] = header

    for header in unique.values():
        for parent in as_tuple(header[1]):
            if parent not in unique:
                findings.append(
                    error(
                        "missing-parent",
                        (header[5],),
                        f"Revision {header[0]!r} names {parent!r} as its"
                        " down_revision, and no revision file declares it.",
                        f"Restore revision {parent!r} or point down_revision"
                        " at an existing revision.",
                    )
                )

        for dependency in as_tuple(header[3]):
            if dependency not in unique and dependency not in labels:
                findings.append(
                    error(
                        "missing-dependency",
                        (header[5],),
                        f"Revision {header[0]!r} depends on {dependency!r},"
                        " which is no revision id or branch name.",
                        "Fix or remove that depends_on entry.",
                    )
                )

    return findings


def _check_cycles(unique: dict[str, Header]) -> list[Finding]:
    """Revisions that lead back to themselves through ``down_revision`` or
    ``depends_on``: one finding per cycle.
    """
    labels = {label: h[0] for h in unique.values() for label in h[2]}
    below = {
        rev: [
            d
            for d in (*as_tuple(h[1]), *(labels.get(x, x) for x in as_tuple(h[3])))
            if d in unique
        ]
        for rev, h in unique.items()
    }
    waiting = {rev: len(downs) for rev, downs in below.items()}
    above: dict[str, list[str]] = {}

    for rev, downs in below.items():
        for down in downs:
            above.setdefault(down, []).append(rev)

    todo = [rev for rev, n in waiting.items() if n == 0]

    while todo:
        for child in above.get(todo.pop(), ()):
            waiting[child] -= 1

            if waiting[child] == 0:
                todo.append(child)

    left = {rev for rev, n in waiting.items() if n > 0}
    findings = []

    while left:
        cycle = _find_cycle(next(iter(sorted(left))), below, left)
        left -= set(cycle)

        if not cycle:
            break

        findings.append(
            error(
                "cycle",
                (unique[rev][5] for rev in cycle),
                f"Revisions {' -> '.join(cycle + [cycle[0]])} form a cycle.",
                "Break it: fix the down_revision or depends_on of one of them.",
            )
        )
        # Revisions that only sit after this cycle are no cycle of their own.
        left = {rev for rev in left if _find_cycle(rev, below, left)}

    return findings


def _find_cycle(start: str, below: dict[str, list[str]], left: set[str]) -> list[str]:
    """A cycle reached from ``start`` going down through ``left``, in the
    order of the walk, or nothing.
    """
    path: list[str] = []
    on_path: dict[str, int] = {}
    rev: str | None = start

    while rev is not None and rev not in on_path:
        on_path[rev] = len(path)
        path.append(rev)
        rev = next((d for d in below[rev] if d in left), None)

    if rev is None:
        return []

    return path[on_path[rev] :]


def _check_branches(graph: RevisionGraph) -> list[Finding]:
    """More than one head, or more than one root, on one branch: a branch
    is told apart by its branch labels, as Alembic spreads them.
    """
    findings = []
    kinds = (
        ("multiple-heads", graph.heads, "heads"),
        ("multiple-roots", [r for r in graph.revisions if graph[r].is_base], "roots"),
    )

    for kind, ids, what in kinds:
        by_branch: dict[frozenset[str], list[str]] = {}

        for rev in ids:
            labels = frozenset(graph[rev].branch_labels)
            by_branch.setdefault(labels, []).append(rev)

        for labels, same in by_branch.items():
            if len(same) < 2:
                continue

            branch = f"branch {_names(sorted(labels))}" if labels else "The history"
            branch = branch[0].upper() + branch[1:]

            if kind == "multiple-heads":
                fix = (
                    "If both are meant, merge them: run 'merge"
                    f' {" ".join(same)} -m "merge"\'.'
                )
            else:
                fix = (
                    "Give each independent branch a branch label, or set the"
                    " down_revision of all but one."
                )

            findings.append(
                error(
                    kind,
                    (graph[rev].path for rev in same),
                    f"{branch} has {len(same)} {what}: {_names(same)}.",
                    fix,
                )
            )

    return findings
