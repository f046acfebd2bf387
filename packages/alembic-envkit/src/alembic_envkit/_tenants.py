"""The tenant commands of an environment, as :attr:`.Environment.tenants`."""

from __future__ import annotations

import typing as t

from . import run as _run
from ._errors import ConfigurationError
from ._errors import MigrationError
from .history import saves_cache
from .settings import check_tenant_name
from .settings import ledger_settings

if t.TYPE_CHECKING:
    from ._base import BaseEnvironment
    from .history import History
    from .history import Revision
    from .history import RevisionArg
    from .history import TargetArg
    from .run import Tenancy
    from .run import TenantCallback
    from .run import TenantCheck
    from .run import TenantLint
    from .run import TenantReport
    from .run import TenantResult
    from .run import TenantStatus
    from .run import TenantVerification


class Tenants:
    """The tenants of an environment: copies of its primary database, each
    in a PostgreSQL schema, a MariaDB or MySQL database, or an SQLite file,
    listed by the ``tenants`` setting. The history is read once for all of
    them; on the servers, they share the primary database's engine. See
    ``docs/tenants.md``.

    The commands that change tenants run over them in a pool of
    ``workers`` threads and return a :class:`.TenantReport`; a tenant's
    failure is in the report, not raised. The checks (:meth:`check`,
    :meth:`pending`, :meth:`verify`, :meth:`lint`) change nothing and take
    no lock.

    .. versionadded:: 0.3
    """

    def __init__(self, environment: BaseEnvironment) -> None:
        self._environment = environment

    @property
    def history(self) -> History:
        return self._environment.history

    @property
    def tenancy(self) -> Tenancy:
        return self._environment.tenancy

    def names(self) -> list[str]:
        """The tenant names, as the ``tenants`` source lists them.

        :raises ConfigurationError: If no tenants are configured, the source
            raises, or lists a name that is not allowed.
        """
        return self.tenancy.names()

    @saves_cache
    def status(
        self, tenants: t.Sequence[str] | None = None, *, workers: int = 1
    ) -> list[TenantStatus]:
        """Where each tenant stands (its revisions, the heads, how many
        revisions it is behind), read without a lock or a migration
        transaction, ``workers`` tenants at a time.

        :param tenants: Some of the tenants; all by default.
        :raises ConfigurationError: For a name the source does not list.
        """
        _run.check_counts(workers, 0)
        names = self.tenancy.choose(tenants)
        return _run.tenant_status(self.tenancy, names, workers=workers)

    @saves_cache
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
        _run.check_counts(workers, 0)
        names = self.tenancy.choose(tenants)
        return _run.check_tenants(self.tenancy, names, workers=workers)

    @saves_cache
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
        _run.check_counts(workers, 0)
        names = self.tenancy.choose(tenants)
        return _run.pending_by_tenant(self.tenancy, names, phase=phase, workers=workers)

    @saves_cache
    def verify(
        self, tenants: t.Sequence[str] | None = None, *, workers: int = 1
    ) -> TenantVerification:
        """Check the history once, as :meth:`.Environment.verify` does, and,
        where the ledger is kept, each tenant's applied revisions against
        their files; each ledger finding names its tenant.

        :raises ConfigurationError: For an unknown tenant, or fewer than one
            worker.
        """
        _run.check_counts(workers, 0)
        names = self.tenancy.choose(tenants)
        ledger = ledger_settings(self._environment.settings.options).table
        return _run.verify_tenants(
            self.tenancy, names, ledger=ledger is not None, workers=workers
        )

    @saves_cache
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
        _run.check_counts(workers, 0)
        names = self.tenancy.choose(tenants)
        return _run.lint_tenants(self.tenancy, names, workers=workers)

    def upgrade(
        self,
        target: TargetArg = "heads",
        *,
        tenants: t.Sequence[str] | None = None,
        workers: int = 1,
        canary: int = 0,
        stop_on_error: bool = False,
        resume: TenantReport | None = None,
        progress: TenantCallback = None,
    ) -> TenantReport:
        """Upgrade the tenants to ``target``. A tenant at the target already
        is skipped after one read of its version table; each other takes
        its own migration lock, then reads its version table again (another
        run may have done the work), then runs. A new, empty tenant gets
        its newest snapshot first where its layout allows (SQLite, MariaDB).

        :param tenants: Some of the tenants; all by default.
        :param workers: How many tenants run at once (1 or more). On the
            servers, each takes up to two connections of the pool.
        :param canary: Run this many tenants (the first listed) first, and
            stop if one of them fails.
        :param stop_on_error: Start no tenant after one fails. By default
            the run goes on, and the report says which failed.
        :param resume: A report of an earlier run of the same command: run
            only the tenants it did not finish.
        :param progress: Called with a :class:`.TenantProgress` as each
            tenant finishes.
        """
        options = _options(tenants, workers, canary, stop_on_error, resume, progress)
        return self._fan_out("upgrade", str(target), **options)

    def downgrade(
        self,
        target: TargetArg,
        *,
        tenants: t.Sequence[str] | None = None,
        workers: int = 1,
        canary: int = 0,
        stop_on_error: bool = False,
        resume: TenantReport | None = None,
        progress: TenantCallback = None,
    ) -> TenantReport:
        """Downgrade the tenants to ``target``; the options of
        :meth:`upgrade`.
        """
        options = _options(tenants, workers, canary, stop_on_error, resume, progress)
        return self._fan_out("downgrade", str(target), **options)

    def stamp(
        self,
        target: RevisionArg = "heads",
        *,
        tenants: t.Sequence[str] | None = None,
        workers: int = 1,
        canary: int = 0,
        stop_on_error: bool = False,
        resume: TenantReport | None = None,
        progress: TenantCallback = None,
    ) -> TenantReport:
        """Record ``target`` as current on the tenants, running nothing (and
        clearing the mark of a revision a MariaDB tenant was left in the
        middle of); the options of :meth:`upgrade`.
        """
        options = _options(tenants, workers, canary, stop_on_error, resume, progress)
        return self._fan_out("stamp", str(target), **options)

    @saves_cache
    def create(self, name: str) -> TenantResult:
        """Make a new tenant's schema, database or file, and bring it to the
        heads, from the newest snapshot where its layout allows. The source
        must list the tenant already.

        :raises ConfigurationError: If the name is not listed, or the tenant
            exists.
        :raises MigrationError: If the upgrade fails; what was made stays.
        """
        tenancy = self.tenancy
        tenancy.choose([check_tenant_name(name)])

        if tenancy.exists(name):
            raise ConfigurationError(
                f"Tenant {name!r} exists already: its {tenancy.layout.kind} is"
                " there. Bring it up with upgrade instead."
            )

        tenancy.create(name)
        work = _run.job(self.history, "upgrade", "heads", snapshots=self._snapshots)
        result = _run.run_one(tenancy, name, work)

        if result.outcome == "failed":
            raise MigrationError(
                f"Tenant {name!r} was made but not brought to the heads:"
                f" {result.error}",
                database=tenancy.primary.name,
                revision=None,
            )

        return result

    @saves_cache
    def upgrade_sql(
        self,
        target: TargetArg = "heads",
        *,
        tenants: t.Sequence[str] | None = None,
        tag: str | None = None,
    ) -> dict[str, str]:
        """The SQL an upgrade to ``target`` (or ``"FROM:TO"``) would run on
        each tenant, by name, without connecting: each script first makes
        the tenant's schema or database unless it exists and points the
        session at it (``SET search_path``, ``USE``); on SQLite it names
        the file to run it on.
        """
        return self._sql("upgrade", str(target), tenants, tag)

    @saves_cache
    def downgrade_sql(
        self,
        target: TargetArg,
        *,
        tenants: t.Sequence[str] | None = None,
        tag: str | None = None,
    ) -> dict[str, str]:
        """The SQL of a downgrade (``target`` a ``"FROM:TO"`` range) on each
        tenant, as :meth:`upgrade_sql` makes them.
        """
        return self._sql("downgrade", str(target), tenants, tag)

    @saves_cache
    def stamp_sql(
        self,
        target: RevisionArg = "heads",
        *,
        tenants: t.Sequence[str] | None = None,
        tag: str | None = None,
    ) -> dict[str, str]:
        """The SQL of a stamp on each tenant, as :meth:`upgrade_sql` makes
        them.
        """
        return self._sql("stamp", str(target), tenants, tag)

    def _sql(
        self,
        action: str,
        target: str,
        tenants: t.Sequence[str] | None,
        tag: str | None,
    ) -> dict[str, str]:
        names = self.tenancy.choose(tenants)
        return _run.tenant_scripts(self.tenancy, names, action, target, tag)

    def close(self) -> None:
        """Dispose the engines made for tenants (SQLite files)."""
        self.tenancy.dispose()

    @saves_cache
    def _fan_out(
        self,
        action: str,
        target: str,
        *,
        tenants: t.Sequence[str] | None = None,
        workers: int = 1,
        canary: int = 0,
        stop_on_error: bool = False,
        resume: TenantReport | None = None,
        progress: TenantCallback = None,
    ) -> TenantReport:
        _run.check_counts(workers, canary)
        tenancy = self.tenancy
        names = tenancy.choose(tenants)

        if resume is not None:
            if (resume.action, resume.target) != (action, target):
                raise ConfigurationError(
                    f"The report to resume is of '{resume.action} {resume.target}',"
                    f" not '{action} {target}'; resume it with its own command."
                )

            unfinished = set(resume.unfinished)
            names = [n for n in names if n in unfinished]

        work = _run.job(self.history, action, target, snapshots=self._snapshots)
        return _run.fan_out(
            tenancy,
            names,
            work,
            workers=workers,
            canary=canary,
            stop_on_error=stop_on_error,
            progress=progress,
        )

    @property
    def _snapshots(self) -> bool | None:
        """As the ``snapshots`` setting says, where the layout can load one."""
        return None if self.tenancy.layout.snapshots else False


def _options(
    tenants: t.Sequence[str] | None,
    workers: int,
    canary: int,
    stop_on_error: bool,
    resume: TenantReport | None,
    progress: TenantCallback,
) -> dict[str, t.Any]:
    return {
        "tenants": tenants,
        "workers": workers,
        "canary": canary,
        "stop_on_error": stop_on_error,
        "resume": resume,
        "progress": progress,
    }
