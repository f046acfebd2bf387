"""What a run over tenants does to each of them: one upgrade, downgrade or
stamp, its target checked against the history once, before any tenant is
touched; what it would run on a tenant at given revisions; and how to run
it.
"""

from __future__ import annotations

import typing as t
from dataclasses import dataclass

from .._errors import ConfigurationError
from .._errors import translate_alembic_errors
from ._reading import interrupted_by_database

if t.TYPE_CHECKING:
    from ..history import History
    from ._connections import Connections

#: What a run over tenants does: ``upgrade``, ``downgrade`` or ``stamp``.
ACTIONS = ("upgrade", "downgrade", "stamp")


@dataclass(frozen=True)
class Job:
    """One command for every tenant: what it would run on a tenant, whether
    that tenant has anything to do, and how to do it.
    """

    action: str
    target: str
    #: The ids a tenant at these revisions would run, in order (for a
    #: stamp: the ids it would record, or none if there is nothing to do).
    planned: t.Callable[[tuple[str, ...]], list[str]]
    pending: t.Callable[[History, Connections, str, tuple[str, ...]], bool]
    run: t.Callable[[History, Connections, str], None]
    #: The run's phase, ``"expand"`` or ``"contract"``; ``None`` for all.
    phase: str | None = None


def job(
    history: History,
    action: str,
    target: str,
    *,
    snapshots: bool | None,
    phase: str | None = None,
    purge: bool = False,
) -> Job:
    """The :class:`Job` of ``action`` to ``target``.

    :param snapshots: Whether an empty tenant may get a snapshot: ``None``
        as the ``snapshots`` setting says, ``False`` never.
    :param phase: For an upgrade, ``"expand"`` holds back each contract
        revision and what comes after it, as :func:`.phase_steps` does.
    :param purge: For a stamp, empty each version table first.
    :raises ConfigurationError: For an unknown action or phase, or a phase
        or purge the action does not take.
    :raises RevisionError: For a target the history does not have.
    """
    # Imports Alembic's runtime, which reading where tenants stand never needs.
    from ._steps import check_run_phase
    from ._steps import phase_steps
    from ._steps import steps_to

    if action not in ACTIONS:
        raise ConfigurationError(f"No tenant command {action!r}; use {ACTIONS}.")

    check_run_phase(phase)

    if phase is not None and action != "upgrade":
        raise ConfigurationError(f"A phase is for an upgrade, not a {action}.")

    if purge and action != "stamp":
        raise ConfigurationError(f"Purge is for a stamp, not a {action}.")

    if action == "stamp":
        return _stamp(history, target, purge)

    from ._online import downgrade
    from ._online import upgrade

    down = action == "downgrade"
    steps = steps_to(history.script_directory, target, down=down)

    if not down:
        steps = phase_steps(steps, phase)

    def planned(ids: tuple[str, ...]) -> list[str]:
        with translate_alembic_errors():
            found = steps(ids, None)  # type: ignore[arg-type]
            return [s.revision.revision for s in found]  # type: ignore[attr-defined]

    # An unknown target stops here, from base up or from the heads down.
    planned(tuple(history.graph.heads) if down else ())

    def pending(h: History, c: Connections, name: str, ids: tuple[str, ...]) -> bool:
        if target == "heads" and not down and h.graph.at_heads(ids):
            return False  # The graph alone says.

        return bool(planned(ids))

    def run(h: History, c: Connections, name: str) -> None:
        if down:
            downgrade(h, c, target, names=[name])
        else:
            upgrade(h, c, target, names=[name], snapshots=snapshots, phase=phase)

    return Job(action, target, planned, pending, run, phase)


def _stamp(history: History, target: str, purge: bool) -> Job:
    from ._online import stamp

    script = history.script_directory

    with translate_alembic_errors():
        wanted = sorted({s.revision for s in script.get_revisions(target) if s})

    def planned(ids: tuple[str, ...]) -> list[str]:
        return [] if set(ids) == set(wanted) else list(wanted)

    def differs(h: History, c: Connections, name: str, ids: tuple[str, ...]) -> bool:
        # A stamp also clears the mark of a revision left half way.
        return bool(planned(ids)) or bool(interrupted_by_database(c, [name]))

    def run(h: History, c: Connections, name: str) -> None:
        stamp(h, c, target, purge=purge, names=[name])

    return Job("stamp", target, planned, differs, run)
