"""The snapshot commands of an environment, as :attr:`.Environment.snapshots`."""

from __future__ import annotations

import typing as t

from . import run as _run
from ._base import EnvironmentPart
from .history import saves_cache
from .run import operation
from .settings import snapshot_settings
from .snapshot import Snapshot
from .snapshot import snapshots
from .snapshot import stale_findings

if t.TYPE_CHECKING:
    from .history import Finding
    from .history import TargetArg


class Snapshots(EnvironmentPart):
    """Schema snapshots of an environment's databases: written by replaying
    the history into scratch databases, checked by comparing such a replay
    with a database brought up from the snapshot, and loaded by
    :meth:`.Environment.upgrade` into empty databases. See
    ``docs/snapshots.md``.

    Each method works on the selected databases (see
    :meth:`.Environment.selecting`).

    .. versionadded:: 0.3
    """

    @property
    def location(self) -> str:
        """The folder the snapshot files are in."""
        return snapshot_settings(self._environment.settings).location

    @saves_cache
    @operation
    def write(self, target: TargetArg = "heads") -> list[str]:
        """Replay the revisions up to ``target`` into a scratch database of
        each database's dialect and write its snapshot file; the same
        history gives the same bytes. Returns the files written.
        """
        env = self._environment
        names = env.selected_names
        return _run.build_snapshots(
            self.history, env.settings, self.targets, target, names, _run.upgrade
        )

    @saves_cache
    @operation
    def check(self, target: TargetArg = "heads") -> dict[str, list[str]]:
        """Replay the revisions up to ``target`` into one scratch database,
        bring another there from its newest snapshot, and compare them.

        :return: Every difference of each database, one line each, by name;
            all empty when the snapshots are faithful.
        :raises ConfigurationError: If a database has no snapshot at or below
            the target.
        """
        env = self._environment
        names = env.selected_names
        return _run.check_snapshots(
            self.history, env.settings, self.targets, target, names, _run.upgrade
        )

    def stale(self) -> list[Finding]:
        """A ``stale-snapshot`` finding for each snapshot file whose history
        has changed since it was written, as :meth:`.Environment.verify`
        reports them.
        """
        return stale_findings(self.history, self.location)

    def find(self) -> dict[str, list[Snapshot]]:
        """The snapshot files of each selected database, by file name."""
        location = self.location
        return {n: snapshots(location, n) for n in self._environment.selected_names}
