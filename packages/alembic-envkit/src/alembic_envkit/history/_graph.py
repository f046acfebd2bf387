"""The revision graph read from the revision files' headers: what the read
commands and the read API work from, without importing Alembic or running a
revision file.

It answers as Alembic's revision map does: the same heads in the same
order, and on each revision the same children, branch labels and
dependencies as Alembic sets on its Scripts.
"""

from __future__ import annotations

import typing as t

from .._alembic import set_children
from .._alembic import set_dependencies
from .._errors import revision_error
from ._revision import as_tuple
from ._revision import Revision

if t.TYPE_CHECKING:
    from ._headers import Header


class RevisionGraph:
    """Every revision and how they connect.

    :param headers: What each revision file declares, in the order Alembic
        loads the files.
    :raises RevisionError: For a duplicate id or branch label, or a parent
        or dependency that does not exist.
    """

    def __init__(self, headers: t.Iterable[Header]) -> None:
        #: Every revision by id, in the order Alembic loads the files.
        self.revisions: dict[str, Revision] = {}
        labelled = []

        for header in headers:
            revision = Revision(header)
            other = self.revisions.get(revision.revision)

            if other is not None:
                raise revision_error(
                    f"Revision id {revision.revision!r} is declared by both"
                    f" {other.path} and {revision.path}. Give one of them a new id."
                )

            self.revisions[revision.revision] = revision

            if header[2]:
                labelled.append((revision, header[2]))

        labels: dict[str, Revision] = {}

        for revision, declared in labelled:
            for label in declared:
                owner = labels.get(label) or self.revisions.get(label)

                if owner is not None:
                    raise revision_error(
                        f"Branch name {label!r} in revision {revision.revision} is"
                        f" already used by revision {owner.revision}."
                    )

                labels[label] = revision

        self.labels = labels
        # Children by parent id: through down_revision only, and through
        # dependencies as well.
        children: dict[str, list[str]] = {}
        all_children: dict[str, list[str]] = {}

        for revision in self.revisions.values():
            if revision.dependencies:
                self._resolve_dependencies(revision)

            versioned = revision._versioned

            for down_id in revision._all_down:
                if down_id not in self.revisions:
                    raise revision_error(
                        f"Revision {revision.revision} ({revision.path}) names"
                        f" {down_id!r} as its parent, which does not exist."
                        " Restore that revision or fix down_revision."
                    )

                all_children.setdefault(down_id, []).append(revision.revision)

                if down_id in versioned:
                    children.setdefault(down_id, []).append(revision.revision)

        for down_id, ids in all_children.items():
            kids = children.get(down_id, ())
            nextrev = frozenset(kids)
            # Shared when no dependency adds to the children, as is usual.
            same = len(ids) == len(kids)
            set_children(
                self.revisions[down_id], nextrev, nextrev if same else frozenset(ids)
            )

        #: Revisions no revision has as its parent, in file order.
        self.heads: tuple[str, ...] = tuple(
            r for r in self.revisions if r not in children
        )
        #: Heads that no revision depends on either.
        self.real_heads: tuple[str, ...] = tuple(
            r for r in self.revisions if r not in all_children
        )
        self._check_cycles(all_children)
        self._spread_branch_labels(labelled, all_children)

    def _resolve_dependencies(self, revision: Revision) -> None:
        """Resolve a revision's ``depends_on`` ids and branch names to
        revision ids.
        """
        deps = []

        for dep in as_tuple(revision.dependencies):
            target = self.revisions.get(dep) or self.labels.get(dep)

            if target is None:
                raise revision_error(
                    f"Revision {revision.revision} ({revision.path}) depends on"
                    f" {dep!r}, which is not a revision id or branch name."
                )

            deps.append(target.revision)

        set_dependencies(revision, tuple(deps))
        revision._all_down = tuple(dict.fromkeys(revision._versioned + tuple(deps)))

    def __len__(self) -> int:
        return len(self.revisions)

    def __contains__(self, revision: object) -> bool:
        return revision in self.revisions

    def __getitem__(self, revision: str) -> Revision:
        return self.revisions[revision]

    def get(self, ids: t.Iterable[str]) -> tuple[Revision, ...] | None:
        """The revisions with exactly these ids, or ``None`` if any id is
        not an exact id, so the caller falls back to Alembic's resolution.
        """
        result = []

        for value in ids:
            revision = self.revisions.get(value)

            if revision is None:
                return None

            result.append(revision)

        return tuple(result)

    def at_heads(self, ids: t.Iterable[str]) -> bool:
        """Whether a version table holding these revision ids is at every
        head, as Alembic reads it: a row stands for its revision and for
        every revision that one descends from or depends on (``depends_on``),
        so upgrading to ``heads`` would run nothing.

        :param ids: The revision ids in the version table.
        """
        todo = list(ids)
        # Every head is one of, or depended on by an ancestor of, the heads
        # that nothing depends on either.
        missing = set(self.real_heads).difference(todo)
        seen: set[str] = set()

        while missing and todo:
            revision = todo.pop()

            if revision in seen:
                continue

            seen.add(revision)
            missing.discard(revision)
            todo.extend(self.revisions[revision]._all_down)

        return not missing

    def lineage(self, revision: str) -> set[str]:
        """A revision and every revision it descends from, following parents
        only: a branch that depends on another is still a branch of its own.

        :param revision: The revision's id.
        """
        return self.reach([revision], lambda r: r._versioned)

    def reach(
        self, ids: t.Iterable[str], follow: t.Callable[[Revision], t.Iterable[str]]
    ) -> set[str]:
        """The revisions ``ids`` and every revision reached from them, one
        ``follow`` step at a time.
        """
        seen: set[str] = set()
        todo = list(ids)

        while todo:
            current = todo.pop()

            if current not in seen:
                seen.add(current)
                todo.extend(follow(self.revisions[current]))

        return seen

    def _check_cycles(self, all_children: dict[str, list[str]]) -> None:
        """Every revision must lead down to a base, following parents and
        dependencies: no cycle. Revisions are taken off from the bases up;
        any left over sit on or after a cycle.

        :param all_children: Children by parent id, through dependencies too.
        """
        waiting = {r: len(v._all_down) for r, v in self.revisions.items()}
        todo = [r for r, n in waiting.items() if n == 0]

        while todo:
            for child in all_children.get(todo.pop(), ()):
                waiting[child] -= 1

                if waiting[child] == 0:
                    todo.append(child)

        stuck = sorted(r for r, n in waiting.items() if n > 0)

        if stuck:
            raise revision_error(
                f"Revisions {', '.join(stuck)} form a cycle. Fix their"
                " down_revision or depends_on."
            )

    def _spread_branch_labels(
        self,
        labelled: list[tuple[Revision, tuple[str, ...]]],
        all_children: dict[str, list[str]],
    ) -> None:
        """A branch label applies to the revision that declares it, every
        revision after it, and the revisions before it down to the nearest
        branch point or merge.

        :param labelled: The revisions that declare labels, with them.
        :param all_children: Children by parent id, through dependencies too.
        """
        revisions = self.revisions

        for revision, _ in labelled:
            labels = t.cast("frozenset[str]", revision._labels)
            last = revision
            todo = [revision]
            seen = set()

            while todo:
                node = todo.pop()

                if node in seen:
                    continue

                seen.add(node)
                _add_labels(node, labels)

                if node.nextrev:
                    todo.extend([revisions[n] for n in node.nextrev])

                last = node

            # Down from the last revision reached, as Alembic does, to the
            # nearest branch point or merge.
            parent: Revision | None = last

            while (
                parent is not None
                and len(set(all_children.get(parent.revision, ()))) < 2
                and not parent.is_merge_point
            ):
                _add_labels(parent, labels)
                down = parent.down_revision
                parent = revisions[down] if isinstance(down, str) else None


def _add_labels(revision: Revision, labels: frozenset[str]) -> None:
    # While the graph builds, revisions share frozensets; each gets a set of
    # its own when it is asked for its branch_labels.
    current = revision._labels

    if current is labels:
        return  # Already shared.

    if not current:
        revision._labels = labels
    elif not labels <= current:
        revision._labels = frozenset(current | labels)
