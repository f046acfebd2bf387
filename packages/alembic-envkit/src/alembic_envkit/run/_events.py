"""The events a run reports through :attr:`.Environment.progress`."""

from __future__ import annotations

import typing as t
from dataclasses import dataclass

if t.TYPE_CHECKING:
    from alembic.runtime.migration import MigrationStep


@dataclass(frozen=True)
class MigrationEvent:
    """A revision starting (``seconds`` is ``None``), done, or about to be
    retried (``retry`` says why) on one database, as passed to
    :attr:`.Environment.progress`.
    """

    #: Name of the database.
    database: str
    #: Revision id.
    revision: str | None
    #: The revision's message.
    message: str
    #: ``"upgrade"`` or ``"downgrade"``.
    direction: str
    #: How long the revision took, once done.
    seconds: float | None
    #: Why the revision (or one of its statements) runs again, such as
    #: ``lock timeout on table "user" (attempt 1 of 4), retrying in 2.0 s``;
    #: ``None`` for the other events. (new in 0.3)
    retry: str | None = None


def step_event(
    database: str,
    step: MigrationStep,
    seconds: float | None = None,
    retry: str | None = None,
) -> MigrationEvent:
    """The event of a step on database ``database``."""
    revision = getattr(step, "revision", None)
    return MigrationEvent(
        database=database,
        revision=getattr(revision, "revision", None),
        message=getattr(revision, "doc", "") or "",
        direction="upgrade" if getattr(step, "is_upgrade", True) else "downgrade",
        seconds=seconds,
        retry=retry,
    )
