"""The revision graph read from the revision files' headers: what the read
commands and the read API work from, without importing Alembic or running a
revision file.

It answers as Alembic's revision map does: the same heads in the same
order, the same branch labels on each revision, the same flags and the
same text for each revision.
"""

from __future__ import annotations

import typing as t

from .._errors import revision_error
from ._headers import Header

if t.TYPE_CHECKING:
    from types import ModuleType

#: Loads a revision's module by id, through Alembic's script directory.
ModuleLoader: t.TypeAlias = t.Callable[[str], "ModuleType"]


def _as_tuple(value: str | t.Sequence[str] | None) -> tuple[str, ...]:
    if not value:
        return ()

    return (value,) if isinstance(value, str) else tuple(value)


def _comma(values: t.Iterable[str]) -> str:
    return ", ".join(values)


class Revision:
    """One revision, as read from its file. It has the attributes of
    Alembic's :class:`~alembic.script.Script` that describe a revision;
    :attr:`module` imports the file on first use.
    """

    __slots__ = (
        "revision",
        "down_revision",
        "dependencies",
        "branch_labels",
        "path",
        "longdoc",
        "nextrev",
        "_all_nextrev",
        "_resolved_dependencies",
        "_versioned",
        "_all_down",
        "_orig_branch_labels",
        "_db_current_indicator",
        "_load",
    )

    def __init__(self, header: Header, load: ModuleLoader | None = None) -> None:
        revision, down, labels, depends, doc, path = header
        #: The revision id.
        self.revision: str = revision
        #: The parent id, a tuple of ids for a merge, or ``None`` at a base.
        self.down_revision: str | tuple[str, ...] | None = down
        #: Revisions this one depends on besides its parents, or ``None``.
        self.dependencies: str | tuple[str, ...] | None = depends
        #: The branch labels of this revision and those it inherits.
        self.branch_labels: frozenset[str] = frozenset(labels)
        #: The revision file's path.
        self.path: str = path
        #: The whole docstring.
        self.longdoc: str = doc
        #: The revisions whose parent this is.
        self.nextrev: frozenset[str] = frozenset()
        self._all_nextrev: frozenset[str] = frozenset()
        self._resolved_dependencies: tuple[str, ...] = ()
        self._versioned = (down,) if isinstance(down, str) else (down or ())
        self._all_down = self._versioned
        self._orig_branch_labels = labels
        self._db_current_indicator: bool | None = None
        self._load = load

    def __repr__(self) -> str:
        return f"Revision({self.revision!r}, {self.down_revision!r})"

    @property
    def doc(self) -> str:
        """The docstring's first paragraph: the revision's message."""
        return self.longdoc.split("\n\n", 1)[0]

    @property
    def module(self) -> ModuleType:
        """The revision file's module, imported on first use."""
        if self._load is None:
            raise AttributeError(f"Revision {self.revision!r} has no module loader.")

        return self._load(self.revision)

    @property
    def _versioned_down_revisions(self) -> tuple[str, ...]:
        return self._versioned

    @property
    def _all_down_revisions(self) -> tuple[str, ...]:
        return self._all_down

    @property
    def is_head(self) -> bool:
        """No revision has this one as its parent."""
        return not self.nextrev

    @property
    def _is_real_head(self) -> bool:
        return not self._all_nextrev

    @property
    def is_base(self) -> bool:
        """This revision has no parent."""
        return self.down_revision is None

    @property
    def is_branch_point(self) -> bool:
        """Several revisions have this one as their parent."""
        return len(self.nextrev) > 1

    @property
    def _is_real_branch_point(self) -> bool:
        return len(self._all_nextrev) > 1

    @property
    def is_merge_point(self) -> bool:
        """This revision has several parents."""
        return len(self._versioned_down_revisions) > 1

    def _format_down_revision(self) -> str:
        return _comma(self._versioned_down_revisions) or "<base>"

    def _flags(self, current: bool | None) -> str:
        """ " (head)", " (branchpoint)", " (mergepoint)", " (current)", as
        they apply.
        """
        flags = (
            (" (head)", self.is_head),
            (" (branchpoint)", self.is_branch_point),
            (" (mergepoint)", self.is_merge_point),
            (" (current)", current),
        )
        return "".join(text for text, on in flags if on)

    @property
    def log_entry(self) -> str:
        """The revision in full, as ``history --verbose`` shows it."""
        lines = [f"Rev: {self.revision}{self._flags(self._db_current_indicator)}"]
        parents = "Merges" if self.is_merge_point else "Parent"
        lines.append(f"{parents}: {self._format_down_revision()}")

        if self.dependencies:
            lines.append(f"Also depends on: {_comma(_as_tuple(self.dependencies))}")

        if self.is_branch_point:
            lines.append(f"Branches into: {_comma(sorted(self.nextrev))}")

        if self.branch_labels:
            lines.append(f"Branch names: {_comma(sorted(self.branch_labels))}")

        lines.append(f"Path: {self.path}")
        doc = "\n".join(f"    {line}" for line in self.longdoc.splitlines())
        return "\n".join(lines) + f"\n\n{doc}\n"

    def __str__(self) -> str:
        down = self._format_down_revision()
        return f"{down} -> {self.revision}{self._flags(False)}, {self.doc}"

    def cmd_format(
        self,
        verbose: bool,
        include_branches: bool = False,
        include_doc: bool = False,
        include_parents: bool = False,
        tree_indicators: bool = True,
    ) -> str:
        """The revision as one line, or in full when ``verbose``, in the
        layout of Alembic's commands.
        """
        if verbose:
            return self.log_entry

        text = self.revision

        if include_parents:
            if self.dependencies:
                deps = _comma(_as_tuple(self.dependencies))
                text = f"{self._format_down_revision()} ({deps}) -> {text}"
            else:
                text = f"{self._format_down_revision()} -> {text}"

        if include_branches and self.branch_labels:
            text += f" ({_comma(sorted(self.branch_labels))})"

        if self._is_real_head:
            text += " (head)"
        elif self.is_head:
            text += " (effective head)"

        if self._db_current_indicator:
            text += " (current)"

        if tree_indicators:
            if self.is_branch_point:
                text += " (branchpoint)"

            if self.is_merge_point:
                text += " (mergepoint)"

        if include_doc:
            text += f", {self.doc}"

        return text


class RevisionGraph:
    """Every revision and how they connect.

    :param headers: What each revision file declares, in the order Alembic
        loads the files.
    :param load: Imports a revision's module by id, for
        :attr:`Revision.module`.
    :raises RevisionError: For a duplicate id or branch label, or a parent
        or dependency that does not exist.
    """

    def __init__(
        self, headers: t.Iterable[Header], load: ModuleLoader | None = None
    ) -> None:
        self.revisions: dict[str, Revision] = {}
        labelled = []

        for header in headers:
            revision = Revision(header, load)
            other = self.revisions.get(revision.revision)

            if other is not None:
                raise revision_error(
                    f"Revision id {revision.revision!r} is declared by both"
                    f" {other.path} and {revision.path}. Give one of them a new id."
                )

            self.revisions[revision.revision] = revision

            if revision._orig_branch_labels:
                labelled.append(revision)

        labels: dict[str, Revision] = {}

        for revision in labelled:
            for label in revision._orig_branch_labels:
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

        for down_id, ids in children.items():
            self.revisions[down_id].nextrev = frozenset(ids)

        for down_id, ids in all_children.items():
            down = self.revisions[down_id]
            # Shared when no dependency adds to the children, as is usual.
            same = len(ids) == len(down.nextrev)
            down._all_nextrev = down.nextrev if same else frozenset(ids)

        #: Revisions no revision has as its parent, in file order.
        self.heads: tuple[str, ...] = tuple(
            r for r in self.revisions if r not in children
        )
        #: Heads that no revision depends on either.
        self.real_heads: tuple[str, ...] = tuple(
            r for r in self.revisions if r not in all_children
        )
        self._check_cycles()
        self._spread_branch_labels()

    def _resolve_dependencies(self, revision: Revision) -> None:
        """Resolve a revision's ``depends_on`` ids and branch names to
        revision ids.
        """
        deps = []

        for dep in _as_tuple(revision.dependencies):
            target = self.revisions.get(dep) or self.labels.get(dep)

            if target is None:
                raise revision_error(
                    f"Revision {revision.revision} ({revision.path}) depends on"
                    f" {dep!r}, which is not a revision id or branch name."
                )

            deps.append(target.revision)

        revision._resolved_dependencies = tuple(deps)
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
        seen: set[str] = set()
        todo = [revision]

        while todo:
            current = todo.pop()

            if current not in seen:
                seen.add(current)
                todo.extend(self.revisions[current]._versioned)

        return seen

    def _check_cycles(self) -> None:
        """Every revision must lead down to a base, following parents and
        dependencies: no cycle. Revisions are taken off from the bases up;
        any left over sit on or after a cycle.
        """
        waiting = {r: len(v._all_down) for r, v in self.revisions.items()}
        todo = [r for r, n in waiting.items() if n == 0]

        while todo:
            for child in self.revisions[todo.pop()]._all_nextrev:
                waiting[child] -= 1

                if waiting[child] == 0:
                    todo.append(child)

        stuck = sorted(r for r, n in waiting.items() if n > 0)

        if stuck:
            raise revision_error(
                f"Revisions {', '.join(stuck)} form a cycle. Fix their"
                " down_revision or depends_on."
            )

    def _spread_branch_labels(self) -> None:
        """A branch label applies to the revision that declares it, every
        revision after it, and the revisions before it down to the nearest
        branch point or merge.
        """
        revisions = self.revisions

        for revision in revisions.values():
            if not revision._orig_branch_labels:
                continue

            labels = revision.branch_labels
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
                and not parent._is_real_branch_point
                and not parent.is_merge_point
            ):
                _add_labels(parent, labels)
                down = parent.down_revision
                parent = revisions[down] if isinstance(down, str) else None


def _add_labels(revision: Revision, labels: frozenset[str]) -> None:
    current = revision.branch_labels

    if current is labels:
        return  # Already shared.

    if not current:
        revision.branch_labels = labels  # Shared: the sets are immutable.
    elif not labels <= current:
        revision.branch_labels = current | labels
