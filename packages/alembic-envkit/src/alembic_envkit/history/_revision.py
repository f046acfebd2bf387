"""One revision, read from its file's header: an Alembic ``Script`` that
imports neither the file nor Alembic until asked for what only they have.

Reading a history must stay cheap (one ``stat`` per file, no import of
Alembic, which imports SQLAlchemy), yet what it returns must be Alembic's
``Script``, which can't be named before Alembic is imported. So
:class:`Revision` stands on :class:`PendingScript` until Alembic defines
``Script``, then on ``Script`` itself: its ``__bases__`` are swapped the
moment Alembic is imported, by anyone, for the revisions already read too.
An import finder that finds nothing watches for that moment and leaves.
"""

from __future__ import annotations

import sys
import threading
import typing as t
from contextlib import contextmanager
from contextvars import ContextVar

from .._alembic import defined_script
from .._alembic import indicators
from .._alembic import load_module
from .._alembic import script_state
from .._errors import translate_load_errors
from ._phase_read import read_phase

if t.TYPE_CHECKING:
    from types import ModuleType

    from alembic.script import Script as _Base

    from ._headers import Header


_NO_LABELS: frozenset[str] = frozenset()
_UNREAD = object()


class PendingScript:
    """The base of :class:`Revision` until Alembic defines ``Script``: what
    the read path asks of a revision, computed as Script computes it from
    the same public attributes. Asked for anything else, it imports Alembic,
    which makes ``Script`` the base, and asks again.
    """

    revision: str
    down_revision: str | tuple[str, ...] | None
    nextrev: frozenset[str]
    longdoc: str
    _versioned: tuple[str, ...]

    def __getattr__(self, name: str) -> t.Any:
        if not name.startswith("__") and isinstance(self, PendingScript):
            import alembic.script  # noqa: F401 (heavy: only now needed)

            if rebase_pending() and not isinstance(self, PendingScript):
                return getattr(self, name)

        raise AttributeError(f"{type(self).__name__!r} has no attribute {name!r}")

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.revision!r}, {self.down_revision!r})"

    def __str__(self) -> str:
        flags = (
            (" (head)", self.is_head),
            (" (branchpoint)", self.is_branch_point),
            (" (mergepoint)", self.is_merge_point),
        )
        on = "".join(text for text, set in flags if set)
        down = _comma(self._versioned) or "<base>"
        return f"{down} -> {self.revision}{on}, {self.doc}"

    @property
    def doc(self) -> str:
        return self.longdoc.split("\n\n", 1)[0]

    @property
    def is_head(self) -> bool:
        return not self.nextrev

    @property
    def is_base(self) -> bool:
        return self.down_revision is None

    @property
    def is_branch_point(self) -> bool:
        return len(self.nextrev) > 1

    @property
    def is_merge_point(self) -> bool:
        return len(self._versioned) > 1


if not t.TYPE_CHECKING:
    _Base = PendingScript


def as_tuple(value: str | t.Sequence[str] | None) -> tuple[str, ...]:
    """A header's id or ids as a tuple: ``()`` for none."""
    if not value:
        return ()

    return (value,) if isinstance(value, str) else tuple(value)


def _comma(values: t.Iterable[str]) -> str:
    return ", ".join(values)


class Revision(_Base):
    """One revision, as read from its file: an Alembic
    :class:`~alembic.script.Script`, with the attributes and methods of
    Alembic's Scripts and their meaning, read from the file's header
    without running it. :attr:`module` imports the file on first use.

    Reading revisions imports no Alembic module. Until something imports
    Alembic, the class stands on a base of its own that computes what
    ``Script`` computes; as soon as Alembic is imported, by anyone, ``Script``
    becomes its base, for the revisions already read too, so
    ``isinstance(revision, Script)`` holds wherever ``Script`` can be named.
    """

    def __init__(self, header: Header) -> None:
        # What Script.__init__ sets from the module: revision, down_revision,
        # dependencies, path and the labels the file declares.
        script_state(self, header)
        # The labels spread over the branch; the graph shares frozensets
        # while it builds, see branch_labels.
        labels = self._declared = header[2]
        self._labels: frozenset[str] | set[str] = (
            frozenset(labels) if labels else _NO_LABELS
        )
        self._longdoc = header[4]
        self._module: ModuleType | None = None
        # What the graph walks: the parents, then parents and dependencies.
        down = header[1]
        self._versioned = (down,) if isinstance(down, str) else (down or ())
        self._all_down = self._versioned

    @property
    def branch_labels(self) -> set[str]:
        """The branch labels of this revision and those it inherits: the
        branch's label applies to every revision after it and the revisions
        before it down to the branch point, as in Alembic.
        """
        building = _building.get()

        if building is not None:
            # Alembic builds its revision map: the declared labels, which it
            # spreads itself, as over the Scripts it loads.
            return building.setdefault(self.revision, set(self._declared))

        labels = self._labels

        if isinstance(labels, frozenset):
            # Each revision gets a set of its own, as Alembic's Scripts have,
            # when first asked for it.
            labels = self._labels = set(labels)

        return labels

    @branch_labels.setter
    def branch_labels(self, value: set[str]) -> None:
        self._labels = value

    @property
    def longdoc(self) -> str:
        """The whole docstring, read without running the file."""
        return self._longdoc

    @property
    def module(self) -> ModuleType:  # type: ignore[override]
        """The revision file's module, imported on first use."""
        if self._module is None:
            with translate_load_errors():
                self._module = load_module(self.path)

        return self._module

    _phase: object = _UNREAD

    @property
    def phase(self) -> str | None:
        """The deploy phase the file declares, ``phase = "expand"`` or
        ``"contract"``, or ``None``; read from the source on first use
        (imported only where it is not a literal). See
        ``docs/deploying.md``.

        .. versionadded:: 0.3
        """
        if self._phase is _UNREAD:
            self._phase = read_phase(self.path, lambda: self.module)

        return t.cast("str | None", self._phase)

    @property
    def log_entry(self) -> str:
        """The revision in full, as ``history --verbose`` shows it: Alembic's
        text, with the revisions after a branch point and the branch names
        sorted (Alembic lists a set, in an order that changes between runs).
        """
        _, current = indicators(self)
        flags = (
            (" (head)", self.is_head),
            (" (branchpoint)", self.is_branch_point),
            (" (mergepoint)", self.is_merge_point),
            (" (current)", current),
        )
        lines = [f"Rev: {self.revision}{''.join(f for f, on in flags if on)}"]
        parents = "Merges" if self.is_merge_point else "Parent"
        lines.append(f"{parents}: {_comma(as_tuple(self.down_revision)) or '<base>'}")

        if self.dependencies:
            lines.append(f"Also depends on: {_comma(as_tuple(self.dependencies))}")

        if self.is_branch_point:
            lines.append(f"Branches into: {_comma(sorted(self.nextrev))}")

        if self.branch_labels:
            lines.append(f"Branch names: {_comma(sorted(self.branch_labels))}")

        lines.append(f"Path: {self.path}")
        doc = "\n".join(f"    {line}" for line in self.longdoc.splitlines())
        return "\n".join(lines) + f"\n\n{doc}\n"

    def cmd_format(
        self,
        verbose: bool,
        include_branches: bool = False,
        include_doc: bool = False,
        include_parents: bool = False,
        tree_indicators: bool = True,
    ) -> str:
        """The revision as one line, or in full when ``verbose``: Alembic's
        text, with the branch names sorted.
        """
        if verbose:
            return self.log_entry

        text = self.revision
        down = _comma(as_tuple(self.down_revision)) or "<base>"

        if include_parents:
            if self.dependencies:
                deps = _comma(as_tuple(self.dependencies))
                text = f"{down} ({deps}) -> {text}"
            else:
                text = f"{down} -> {text}"

        if include_branches and self.branch_labels:
            text += f" ({_comma(sorted(self.branch_labels))})"

        real_head, current = indicators(self)

        if real_head:
            text += " (head)"
        elif self.is_head:
            text += " (effective head)"

        if current:
            text += " (current)"

        if tree_indicators:
            if self.is_branch_point:
                text += " (branchpoint)"

            if self.is_merge_point:
                text += " (mergepoint)"

        if include_doc:
            text += f", {self.doc}"

        return text


#: Each revision's declared labels while Alembic builds its revision map in
#: this thread or task, see :func:`declared_labels`.
_building: ContextVar[dict[str, set[str]] | None] = ContextVar(
    "alembic_envkit_building_map", default=None
)


@contextmanager
def declared_labels() -> t.Iterator[None]:
    """Show Alembic the labels each revision's file declares, instead of the
    labels spread over each branch, while the block builds its revision map:
    handed labels on every revision, Alembic walks the whole branch after
    each one (3000 revisions: 9 million steps); handed the declared ones, it
    spreads them as the graph did. Other threads see the spread labels.
    """
    token = _building.set({})

    try:
        yield
    finally:
        _building.reset(token)


# Script becomes Revision's base as soon as Alembic defines it.

_lock = threading.Lock()


def rebase_pending() -> bool:
    """Put ``alembic.script.Script`` in place of :class:`PendingScript` in
    :class:`Revision`'s bases if Alembic has defined it; whether it has.
    """
    script = defined_script()

    if script is None:
        return False

    with _lock:
        if PendingScript in Revision.__bases__:
            Revision.__bases__ = (script,)

        if _WATCH in sys.meta_path:
            # A new list: the import system may be going through this one.
            sys.meta_path = [f for f in sys.meta_path if f is not _WATCH]

    return True


class _WatchAlembic:
    """An import finder that finds nothing: it sees Alembic's modules being
    searched for, and Script becomes the base as soon as it is defined.
    """

    def find_spec(self, name: str, path: t.Any = None, target: t.Any = None) -> None:
        if name.startswith("alembic."):
            rebase_pending()


_WATCH = _WatchAlembic()

with _lock:
    # In before the first look, so that an import in between is seen.
    sys.meta_path.insert(0, _WATCH)

rebase_pending()
