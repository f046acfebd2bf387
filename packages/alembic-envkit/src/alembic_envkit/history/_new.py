"""What a new revision descends from: its parents, labels and folder, with
independent named branches; and its id.
"""

from __future__ import annotations

import os
import typing as t
from dataclasses import dataclass

from alembic.script.revision import RevisionError as AlembicRevisionError

from .._errors import translate_alembic_errors
from .._revision_error import RevisionError
from ..settings import check_branch_name
from ..settings import DEFAULT_BRANCH
from ._arguments import revision_ids
from ._arguments import RevisionArg
from ._phase import check_merge_phase
from ._phase import check_phase_value
from ._phase import write_phase
from ._writes import deferred_write_hooks

if t.TYPE_CHECKING:
    from alembic.script import Script
    from alembic.script import ScriptDirectory

    from ..settings import Settings
    from ._history import History


@dataclass
class RevisionPlan:
    """Where a new revision goes and what it descends from."""

    message: str | None
    parents: list[str]
    labels: list[str]
    depends_on: list[str] | None
    path: str


def plan_revision(
    history: History,
    message: str | None,
    branch: str | None,
    parent: RevisionArg,
    depend: RevisionArg | None,
    label: str | t.Sequence[str] | None,
    path: str | os.PathLike[str] | None,
) -> RevisionPlan:
    """Work out a new revision's parents, labels and folder.

    With a branch name, ``head`` and ``base`` mean that branch's. A branch
    that does not exist yet starts from ``base`` and gets the branch name as
    its label, except that the default branch adopts a history without
    labels (from Flask-Migrate or plain Alembic) instead of starting a second
    root beside it.
    """
    check_message(message)
    script = history.script_directory
    settings = history.settings
    parents = revision_ids(parent) or ["head"]
    labels = [label] if isinstance(label, str) else list(label or ())

    if branch:
        check_branch_name(branch)

        if path is None:
            path = settings.branch_location(branch)

        if _branch_exists(script, branch):
            parents = [f"{branch}@{p}" if p in ("base", "head") else p for p in parents]
        else:
            labels.insert(0, branch)
            parents = _new_branch_parents(script, branch, parents)

    if path is not None:
        path = _check_path(settings, path)

    return RevisionPlan(
        message=message,
        parents=parents,
        labels=labels,
        depends_on=revision_ids(depend) or None,
        path=settings.resolve_path(path) if path else settings.default_location,
    )


def refuse_independent_heads(history: History) -> None:
    """Refuse to merge every head when the heads belong to independent
    named branches (separate roots, two or more with a branch label), which
    are meant to stay apart; name the heads that may be merged instead.
    """
    graph = history.graph
    groups: list[tuple[set[str], list[str]]] = []

    for head in graph.heads:
        lineage = graph.lineage(head)

        for seen, heads in groups:
            if seen & lineage:
                seen |= lineage
                heads.append(head)
                break
        else:
            groups.append((lineage, [head]))

    def labels(heads: list[str]) -> list[str]:
        return sorted({label for h in heads for label in graph[h].branch_labels})

    if sum(1 for _, heads in groups if labels(heads)) < 2:
        # Fewer than two named branches: a root without a branch label (for
        # example one written with --parent base beside the default branch)
        # is merged as Alembic does.
        return

    def name(heads: list[str]) -> str:
        return ", ".join(labels(heads)) or heads[0]

    named = sorted((name(sorted(heads)), sorted(heads)) for _, heads in groups)
    where = "; ".join(f"{label}: {', '.join(heads)}" for label, heads in named)
    message = (
        f"The heads belong to {len(groups)} independent branches ({where}),"
        " which are meant to stay apart, so 'merge' without revisions is refused."
    )
    unmerged = [heads for _, heads in named if len(heads) > 1]

    if unmerged:
        message += f" Merge one branch's heads: 'merge {' '.join(unmerged[0])}'."
    else:
        message += (
            " Each branch has one head, so there is nothing to merge; to join"
            " branches anyway, name their heads:"
            f" 'merge {' '.join(h for _, heads in named for h in heads)}'."
        )

    raise RevisionError(message)


def check_message(message: str | None) -> None:
    """Refuse a message that was given but says nothing. ``None`` means no
    message was given, which Alembic writes as "empty message".
    """
    if message is not None and not message.strip():
        raise RevisionError(
            "The revision message is empty. Describe the change, or leave the"
            " message out."
        )


def choose_rev_id(
    history: History, make_id: t.Callable[[], str], rev_id: str | None
) -> str:
    """The id for a new revision: the one given, checked, or a new one."""
    if rev_id is None:
        with translate_alembic_errors():
            return make_id()

    if not rev_id or any(c in rev_id for c in "@-+: /\\."):
        raise RevisionError(
            f"Revision id {rev_id!r} is not allowed; use letters, digits and '_'."
        )

    with translate_alembic_errors():
        exists = any(
            s.revision == rev_id for s in history.script_directory.walk_revisions()
        )

    if exists:
        raise RevisionError(f"A revision with id {rev_id!r} already exists.")

    return rev_id


def _check_path(settings: Settings, path: str | os.PathLike[str]) -> str:
    """Refuse to write outside the configured version locations, also
    through a symlink.
    """
    resolved = settings.resolve_path(path)
    allowed = [p for _, p in settings.version_locations]

    if os.path.realpath(resolved) not in {os.path.realpath(p) for p in allowed}:
        raise RevisionError(
            f"The path {os.fspath(path)!r} is not one of the version locations"
            f" ({', '.join(allowed)}). Add it to 'version_locations' or choose"
            " one of those."
        )

    return resolved


def _branch_exists(script: ScriptDirectory, branch: str) -> bool:
    # The revision files are read on the first lookup, not by revision_map.
    with translate_alembic_errors():
        try:
            return any(r is not None for r in script.revision_map.get_revisions(branch))
        except AlembicRevisionError:
            return False


def _new_branch_parents(
    script: ScriptDirectory, branch: str, parents: list[str]
) -> list[str]:
    if branch != DEFAULT_BRANCH:
        return ["base"]

    unlabeled = [h for h in script.get_revisions("heads") if not h.branch_labels]

    if not unlabeled:
        return ["base"]

    if len(unlabeled) > 1 and "head" in parents:
        ids = ", ".join(h.revision for h in unlabeled)
        raise RevisionError(
            f"The existing history has {len(unlabeled)} heads ({ids}). Merge them"
            " first with the 'merge' command, or name the parent revision."
        )

    return [unlabeled[0].revision if p == "head" else p for p in parents]


def write_merge(
    history: History,
    make_id: t.Callable[[], str],
    revisions: RevisionArg,
    message: str | None,
    label: str | t.Sequence[str] | None,
    rev_id: str | None,
    phase: str | None = None,
) -> Script | None:
    """Write a revision whose parents are the given revisions, with
    ``phase`` in its header if given.
    """
    ids = revision_ids(revisions)
    check_message(message)
    check_phase_value(phase)
    script = history.script_directory

    if ids == ["heads"]:
        refuse_independent_heads(history)

    if phase is not None:
        with translate_alembic_errors():
            parents = script.get_revisions(ids)

        what = "The merge of " + ", ".join(str(p.revision) for p in parents)
        check_merge_phase(phase, parents, what)  # type: ignore[arg-type]

    labels = [label] if isinstance(label, str) else list(label or ())

    with deferred_write_hooks(script) as written:
        with translate_alembic_errors():
            merged = script.generate_revision(
                revid=choose_rev_id(history, make_id, rev_id),
                message=f"merge {', '.join(ids)}" if message is None else message,
                head=ids,
                branch_labels=labels,
                config=history.config,
            )

        if merged is not None:
            if phase is not None:
                write_phase(str(merged.path), phase)

            written.append(str(merged.path))

    return merged
