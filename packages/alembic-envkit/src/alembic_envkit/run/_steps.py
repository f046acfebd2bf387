"""Work functions: the steps an upgrade, downgrade or stamp runs, worked
out as Alembic's commands do; and what a step needs on several databases.
"""

from __future__ import annotations

import inspect
import logging
import typing as t
from contextlib import contextmanager

from alembic.runtime.migration import MigrationContext
from alembic.runtime.migration import MigrationStep

from .._alembic import downgrade_revs
from .._alembic import set_purge
from .._alembic import stamp_revs
from .._alembic import upgrade_revs
from .._errors import ConfigurationError
from .._errors import revision_error
from .._revision_error import RevisionError
from ..history import held_back
from ..history import PHASES
from ..history import step_target

if t.TYPE_CHECKING:
    from alembic.script import ScriptDirectory

    from ..history import TargetArg

logger = logging.getLogger("alembic_envkit")

#: Alembic's "work function": given the current heads and the context, the
#: steps to run. The same shape an ``env.py``'s ``fn`` has.
StepsFn: t.TypeAlias = t.Callable[
    [str | t.Sequence[str], MigrationContext], t.Iterable[MigrationStep]
]


def steps_to(script: ScriptDirectory, target: TargetArg, *, down: bool) -> StepsFn:
    """The work function of an upgrade (or, with ``down``, a downgrade) to
    ``target`` as users give it: a revision, or a number of steps.

    :param script: Where the revisions are.
    :param target: The target, resolved by ``step_target``.
    :param down: Whether this is a downgrade, which takes one target.
    """
    dest = step_target(script, target, down=down)

    if not down:
        return upgrade_steps(script, dest)

    if isinstance(dest, list):
        raise revision_error("Downgrade takes one target revision, not several.")

    return downgrade_steps(script, dest)


def upgrade_steps(script: ScriptDirectory, target: str | list[str]) -> StepsFn:
    """The work function of ``alembic upgrade``.

    :param script: Where the revisions are.
    :param target: Destination, as resolved by ``step_target``.
    """

    def steps(heads: str | t.Sequence[str], context: MigrationContext) -> list[t.Any]:
        return upgrade_revs(script, target, heads)

    return steps


def check_run_phase(phase: str | None) -> None:
    """Refuse a run phase other than ``"expand"`` or ``"contract"``."""
    if phase is not None and phase not in PHASES:
        raise ConfigurationError(
            f"Unknown phase {phase!r}: an upgrade runs phase 'expand' (contract"
            " revisions held back) or 'contract' (every revision)."
        )


def phase_steps(fn: StepsFn, phase: str | None) -> StepsFn:
    """The work function ``fn`` for a run of ``phase``: for ``"expand"``,
    its steps without those an expand run holds back (each contract
    revision and, on every path, what comes after it); otherwise ``fn``.
    """
    if phase != "expand":
        return fn

    def steps(heads: str | t.Sequence[str], context: MigrationContext) -> list[t.Any]:
        planned = list(fn(heads, context))
        held = held_back(s.revision for s in planned)  # type: ignore[attr-defined]
        return [s for s in planned if s.revision.revision not in held]  # type: ignore[attr-defined]

    return steps


def downgrade_steps(script: ScriptDirectory, target: str) -> StepsFn:
    """The work function of ``alembic downgrade``.

    :param script: Where the revisions are.
    :param target: Destination, as resolved by ``step_target``.
    """

    def steps(heads: str | t.Sequence[str], context: MigrationContext) -> list[t.Any]:
        current = sorted(set((heads,) if isinstance(heads, str) else heads))

        if len(current) > 1 and target.startswith("-"):
            raise RevisionError(_ambiguous_steps(script, target, current))

        return downgrade_revs(script, target, heads)

    return steps


def _ambiguous_steps(script: ScriptDirectory, target: str, current: list[str]) -> str:
    """Why a relative downgrade from several current revisions is refused,
    naming each branch and the form that picks one.
    """
    names = []

    for revision in current:
        labels = sorted(script.get_revision(revision).branch_labels)
        names.append(labels[0] if len(labels) == 1 else revision)

    where = ", ".join(
        f"{n} at {r}" if n != r else r for n, r in zip(names, current, strict=True)
    )
    forms = " or ".join(f"'downgrade {n}@{target}'" for n in names)
    count = target[1:]
    steps = "1 step" if count == "1" else f"{count} steps"
    return (
        f"The database is at {len(current)} heads ({where}); going {steps} down"
        f" would pick one of them. Name the branch: {forms}."
    )


def stamp_steps(script: ScriptDirectory, target: list[str]) -> StepsFn:
    """The work function of ``alembic stamp``.

    :param script: Where the revisions are.
    :param target: Revisions to record as current.
    """

    def steps(heads: str | t.Sequence[str], context: MigrationContext) -> list[t.Any]:
        return stamp_revs(script, target, heads)

    return steps


@contextmanager
def purging(contexts: t.Iterable[MigrationContext], purge: bool) -> t.Iterator[None]:
    """Let the contexts empty their version table before stamping.

    :param contexts: The migration contexts of a stamp.
    :param purge: Whether to purge; nothing changes if not.
    """
    contexts = list(contexts) if purge else []

    for context in contexts:
        # Set from the "purge" option when a context is made; these contexts
        # outlive one command, so it is set for the stamp alone.
        set_purge(context, True)

    try:
        yield
    finally:
        for context in contexts:
            set_purge(context, False)


def fill_missing_function(step: MigrationStep, name: str) -> None:
    """Give a multidb revision written before database ``name`` was
    configured an empty ``upgrade_<name>()``/``downgrade_<name>()``, so a new
    database can be brought up through old revisions. For the default
    database, a Flask-Migrate revision's ``upgrade_()``/``downgrade_()`` are
    used instead.
    """
    module = getattr(getattr(step, "revision", None), "module", None)
    direction = "upgrade" if getattr(step, "is_upgrade", True) else "downgrade"
    function = f"{direction}_{name}"

    if module is None or hasattr(module, function):
        return

    entry = getattr(module, direction, None)

    try:
        takes_name = (
            entry is not None and "engine_name" in inspect.signature(entry).parameters
        )
    except (TypeError, ValueError):
        takes_name = False

    # Flask-Migrate's multidb template names the default bind's functions
    # upgrade_() and downgrade_().
    legacy = getattr(module, f"{direction}_", None) if name == "default" else None

    if takes_name and legacy is not None:
        setattr(module, function, legacy)
    elif takes_name:
        logger.info(
            "Revision %s has no %s(); nothing to run on database %r",
            getattr(step.revision, "revision", "?"),  # type: ignore[attr-defined]
            function,
            name,
        )
        setattr(module, function, _nothing)


def _nothing() -> None:
    pass
