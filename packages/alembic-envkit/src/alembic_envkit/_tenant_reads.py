"""The reading half of :attr:`.Environment.tenants`: where the tenants
stand, what a run would do to them, and the checks that change nothing
(``check``, the phase gate, ``verify``, ``lint``, ``wait``).
"""

from __future__ import annotations

import typing as t

from . import run as _run
from ._base import EnvironmentPart
from .history import saves_cache
from .run import operation
from .settings import ledger_settings

if t.TYPE_CHECKING:
    from .history import Revision
    from .history import TargetArg
    from .run import Tenancy
    from .run import TenantCheck
    from .run import TenantLint
    from .run import TenantStatus
    from .run import TenantVerification


class TenantReads(EnvironmentPart):
    """The commands of :class:`.Tenants` that only read; see there.

    .. versionadded:: 0.3
    """

    @property
    def tenancy(self) -> Tenancy:
        return self._environment.tenancy

    def _chosen(self, tenants: t.Sequence[str] | None, workers: int) -> list[str]:
        """The tenants to work on, as :meth:`.Tenancy.choose` says.

        :raises ConfigurationError: For fewer than one worker, or a name
            the source does not list.
        """
        _run.check_counts(workers, 0)
        return self.tenancy.choose(tenants)

    def close(self) -> None:
        """Dispose the engines made for tenants (MariaDB, SQLite)."""
        self.tenancy.dispose()

    def names(self) -> list[str]:
        """The tenant names, as the ``tenants`` source lists them.

        :raises ConfigurationError: If no tenants are configured, the source
            raises, or lists a name that is not allowed.
        """
        return self.tenancy.names()

    @saves_cache
    @operation
    def status(
        self, tenants: t.Sequence[str] | None = None, *, workers: int = 1
    ) -> list[TenantStatus]:
        """Where each tenant stands (its revisions, the heads, how many
        revisions it is behind), read without a lock or a migration
        transaction, ``workers`` tenants at a time.

        :param tenants: Some of the tenants; all by default.
        :raises ConfigurationError: For a name the source does not list.
        """
        names = self._chosen(tenants, workers)
        return _run.tenant_status(self.tenancy, names, workers=workers)

    @saves_cache
    @operation
    def check(
        self, tenants: t.Sequence[str] | None = None, *, workers: int = 1
    ) -> list[TenantCheck]:
        """Whether each tenant is at head, and, for those that are, how the
        models differ from it, compared as :meth:`.Environment.check`
        compares them with a database, on the tenant's own tables alone.
        A tenant's failure is in its result, not raised.

        :param tenants: Some of the tenants; all by default.
        :raises ConfigurationError: For a name the source does not list, or
            fewer than one worker.
        """
        names = self._chosen(tenants, workers)
        return _run.check_tenants(self.tenancy, names, workers=workers)

    @saves_cache
    @operation
    def pending(
        self,
        phase: str | None = None,
        *,
        tenants: t.Sequence[str] | None = None,
        workers: int = 1,
    ) -> dict[str, list[Revision]]:
        """The revisions each tenant has not applied, by name, parents
        first; with ``phase="expand"``, those an expand run holds back (what
        the contract step still has to run). The gate of ``check --phase``.

        :raises ConfigurationError: For an unknown phase or tenant, or
            fewer than one worker.
        """
        names = self._chosen(tenants, workers)
        return _run.pending_by_tenant(self.tenancy, names, phase=phase, workers=workers)

    @saves_cache
    @operation
    def verify(
        self, tenants: t.Sequence[str] | None = None, *, workers: int = 1
    ) -> TenantVerification:
        """Check the history once, as :meth:`.Environment.verify` does, and,
        where the ledger is kept, each tenant's applied revisions against
        their files; each ledger finding names its tenant.

        :raises ConfigurationError: For an unknown tenant, or fewer than one
            worker.
        """
        names = self._chosen(tenants, workers)
        ledger = ledger_settings(self._environment.settings.options).table
        return _run.verify_tenants(
            self.tenancy, names, ledger=ledger is not None, workers=workers
        )

    @saves_cache
    @operation
    def lint(
        self, tenants: t.Sequence[str] | None = None, *, workers: int = 1
    ) -> TenantLint:
        """Lint the revisions any tenant has not applied, each once, for the
        tenants' dialect; the result says which tenants have each pending.
        To lint revisions by range, without a database, use
        :meth:`.Environment.lint` with ``since`` or ``every``.

        :raises ConfigurationError: For an unknown tenant, or fewer than one
            worker.
        """
        names = self._chosen(tenants, workers)
        return _run.lint_tenants(self.tenancy, names, workers=workers)

    @operation
    def wait_for_head(
        self,
        timeout: float,
        *,
        interval: float = 1.0,
        tenants: t.Sequence[str] | None = None,
    ) -> bool:
        """Wait at most ``timeout`` seconds, reading where the tenants stand
        every ``interval``, until each is at head, as another process
        upgrades them; only reads. Returns whether they all reached head in
        time. A server that can't be reached yet counts as behind.

        :param tenants: Some of the tenants; all by default, as the source
            lists them at each read.
        :raises ConfigurationError: For a name the source does not list.
        """

        def behind() -> dict[str, TenantStatus]:
            names = self.tenancy.choose(tenants)
            statuses = _run.tenant_status(self.tenancy, names)
            return {s.tenant: s for s in statuses if not s.at_head}

        return _run.wait_for_head(behind, self.close, timeout, interval)

    @saves_cache
    @operation
    def plan(
        self,
        target: TargetArg = "heads",
        *,
        down: bool = False,
        tenants: t.Sequence[str] | None = None,
        workers: int = 1,
        phase: str | None = None,
    ) -> dict[str, list[Revision]]:
        """The revisions an upgrade (or, with ``down``, a downgrade) to
        ``target`` would run on each tenant, in order, from one read of
        each version table, changing nothing; with ``phase="expand"``,
        those an expand run would.

        :param tenants: Some of the tenants; all by default.
        :raises ConfigurationError: For a name the source does not list.
        """
        names = self._chosen(tenants, workers)
        action = "downgrade" if down else "upgrade"
        work = _run.job(self.history, action, str(target), snapshots=False, phase=phase)
        planned = _run.tenant_plan(self.tenancy, names, work, workers=workers)
        graph = self.history.graph
        return {name: [graph[i] for i in ids] for name, ids in planned.items()}
