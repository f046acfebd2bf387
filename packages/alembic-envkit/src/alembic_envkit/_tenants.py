"""The tenant commands of an environment, as :attr:`.Environment.tenants`."""

from __future__ import annotations

import typing as t

from . import run as _run
from ._errors import ConfigurationError
from ._errors import MigrationError
from ._tenant_reads import TenantReads
from .history import saves_cache
from .run import operation
from .settings import check_tenant_name

if t.TYPE_CHECKING:
    from .history import RevisionArg
    from .history import TargetArg
    from .run import TenantCallback
    from .run import TenantReport
    from .run import TenantResult


class Tenants(TenantReads):
    """The tenants of an environment: copies of its primary database, each
    in a PostgreSQL schema, a MariaDB or MySQL database, or an SQLite file,
    listed by the ``tenants`` setting. The history is read once for all of
    them; on the servers, they share the primary database's engine. See
    ``docs/tenants.md``.

    The commands that change tenants run over them ``workers`` at a time
    (in forked worker processes, unless the ``tenant_processes`` setting
    is off) and return a :class:`.TenantReport`; a tenant's failure is in
    the report, not raised. The checks (:meth:`check`,
    :meth:`pending`, :meth:`verify`, :meth:`lint`) change nothing and take
    no lock.

    .. versionadded:: 0.3
    """

    @operation
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
        phase: str | None = None,
        snapshot: bool | None = None,
    ) -> TenantReport:
        """Upgrade the tenants to ``target``. A tenant at the target already
        is skipped after one read of its version table; each other takes
        its own migration lock, then reads its version table again (another
        run may have done the work), then runs. A new, empty tenant gets
        its newest snapshot first, unless the ``snapshots`` setting is off
        (on PostgreSQL, one the rewrite for its schema can follow).

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
        :param phase: ``"expand"`` holds back, on each tenant, every
            contract revision and what comes after it; ``"contract"`` or
            ``None`` runs every revision (see ``docs/zero-downtime.md``).
        :param snapshot: ``False`` replays every revision on new tenants
            instead of loading a snapshot; ``None`` as the ``snapshots``
            setting says.
        :raises ConfigurationError: For ``snapshot=True``, which is for one
            database: an empty tenant gets a snapshot by default.
        """
        if snapshot:
            raise ConfigurationError(
                "snapshot=True makes every database load a snapshot, and tenants"
                " are at different revisions: an empty tenant gets the newest"
                " snapshot unless the 'snapshots' setting is off. Leave it out,"
                " or pass False to replay."
            )

        options = _options(tenants, workers, canary, stop_on_error, resume, progress)
        replay = snapshot is False
        return self._fan_out(
            "upgrade", str(target), phase=phase, replay=replay, **options
        )

    @operation
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

    @operation
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
        purge: bool = False,
    ) -> TenantReport:
        """Record ``target`` as current on the tenants, running nothing (and
        clearing the mark of a revision a MariaDB tenant was left in the
        middle of); the options of :meth:`upgrade`.

        :param purge: Empty each version table first, for tables that name
            revisions that no longer exist.
        """
        options = _options(tenants, workers, canary, stop_on_error, resume, progress)
        return self._fan_out("stamp", str(target), purge=purge, **options)

    @saves_cache
    @operation
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
        phase: str | None = None,
    ) -> dict[str, str]:
        """The SQL an upgrade to ``target`` (or ``"FROM:TO"``) would run on
        each tenant, by name, without connecting: each script first makes
        the tenant's schema or database unless it exists and points the
        session at it (``SET search_path``, ``USE``); on SQLite it names
        the file to run it on. ``phase="expand"`` holds back contract
        revisions, as :meth:`upgrade` does.
        """
        return self._sql("upgrade", str(target), tenants, tag, phase)

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
        phase: str | None = None,
    ) -> dict[str, str]:
        names = self.tenancy.choose(tenants)
        return _run.tenant_scripts(self.tenancy, names, action, target, tag, phase)

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
        phase: str | None = None,
        purge: bool = False,
        replay: bool = False,
    ) -> TenantReport:
        _run.check_counts(workers, canary)
        tenancy = self.tenancy
        names = tenancy.choose(tenants)

        if resume is not None:
            ran = _command(resume.action, resume.target, resume.phase)
            asked = _command(action, target, phase)

            if ran != asked:
                raise ConfigurationError(
                    f"The report to resume is of {ran}, not {asked}; resume it"
                    " with its own command."
                )

            unfinished = set(resume.unfinished)
            names = [n for n in names if n in unfinished]

        work = _run.job(
            self.history,
            action,
            target,
            snapshots=False if replay else self._snapshots,
            phase=phase,
            purge=purge,
        )
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


def _command(action: str, target: str, phase: str | None) -> str:
    """A run as its command line starts, for messages."""
    return f"'{action} {target}" + (f" --phase {phase}'" if phase else "'")


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
