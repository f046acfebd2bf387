"""The checks that change nothing, over tenants: ``check`` (is each tenant
at head, and do the models differ from it), the phase gate of each
tenant, the ledger of each tenant for ``verify``, and the revisions to
lint (those a tenant has not applied). Each starts from one read of the
tenants' version tables (batched on the servers, see
:func:`.tenant_status`) and takes no lock.
"""

from __future__ import annotations

import typing as t
from dataclasses import dataclass
from dataclasses import field

from ..history import applied_revisions
from ..history import held_back
from ..history import verify as verify_history
from ..settings import Settings
from ..settings import snapshot_settings
from ..snapshot import stale_findings
from ._fanout import each_tenant
from ._fanout import first_line
from ._ledger_check import ledger_findings
from ._tenant_compare import compare_tenant
from ._tenant_status import tenant_status
from ._tenant_status import tenant_versions

if t.TYPE_CHECKING:
    from ..history import Finding
    from ..history import History
    from ..history import Revision
    from ..lint import LintReport
    from ._tenancy import Tenancy
    from ._tenant_status import TenantStatus


@dataclass(frozen=True)
class TenantCheck:
    """What ``check`` found on one tenant.

    .. versionadded:: 0.3
    """

    #: The tenant's name.
    tenant: str
    #: The revisions in its version table; empty at base.
    current: tuple[str, ...]
    #: How many revisions an upgrade to the heads would run.
    behind: int
    #: Alembic's diff tuples between the models and the tenant; compared
    #: only when the tenant is at head.
    differences: tuple[t.Any, ...] = ()
    #: Whether the tenant's schema, database or file exists.
    exists: bool = True
    #: Why the comparison failed, on one line, if it did.
    error: str | None = None

    @property
    def at_head(self) -> bool:
        """Whether the tenant exists and is at all head revisions."""
        return self.exists and self.behind == 0

    @property
    def ok(self) -> bool:
        """Whether the tenant is at head and matches the models."""
        return self.at_head and not self.differences and self.error is None


@dataclass
class TenantVerification:
    """What ``verify`` found: the history's findings, read once for every
    tenant, and each tenant's ledger findings.

    .. versionadded:: 0.3
    """

    #: The findings of the revision files and the snapshots.
    history: list[Finding]
    #: Each chosen tenant's ledger findings, by name; empty lists where the
    #: ledger is off or the history has errors.
    tenants: dict[str, list[Finding]] = field(default_factory=dict)
    #: Whether the tenants' ledgers were read (the ``ledger`` setting on).
    ledger: bool = False

    @property
    def findings(self) -> list[tuple[str | None, Finding]]:
        """Every finding, with its tenant (``None`` for the history's)."""
        found: list[tuple[str | None, Finding]] = [(None, f) for f in self.history]
        found += [(n, f) for n, items in self.tenants.items() for f in items]
        return found

    @property
    def errors(self) -> int:
        """How many findings are errors."""
        return sum(f.severity == "error" for _, f in self.findings)

    @property
    def ok(self) -> bool:
        """Whether no finding is an error."""
        return not self.errors


@dataclass
class TenantLint:
    """What ``lint`` found in the revisions the chosen tenants have not
    applied: each revision linted once, for the tenants' dialect.

    .. versionadded:: 0.3
    """

    #: The findings in the linted revisions.
    report: LintReport
    #: The tenants that have not applied each linted revision, by id, in
    #: the order the tenants are listed.
    pending: dict[str, list[str]] = field(default_factory=dict)


def check_tenants(
    tenancy: Tenancy, tenants: t.Sequence[str], *, workers: int = 1
) -> list[TenantCheck]:
    """Compare the models with each of ``tenants`` at head, as
    :meth:`.Environment.check` compares them with a database; a tenant
    behind, or not made yet, is not compared. A tenant's failure is in its
    result, not raised.
    """
    statuses = tenant_status(tenancy, tenants, workers=workers)
    existing = tenancy.existing(tenants)
    every = set(tenancy.names())

    def one(status: TenantStatus) -> TenantCheck:
        name, current = status.tenant, status.current

        if name not in existing:
            return TenantCheck(name, current, status.behind, exists=False)

        if status.behind:
            return TenantCheck(name, current, status.behind)

        try:
            diffs = compare_tenant(tenancy, name, every)
        except Exception as e:  # Another tenant's check goes on.
            return TenantCheck(name, current, 0, error=first_line(e))

        return TenantCheck(name, current, 0, tuple(diffs))

    return each_tenant(tenancy, statuses, one, workers)


def pending_by_tenant(
    tenancy: Tenancy,
    tenants: t.Sequence[str],
    *,
    phase: str | None = None,
    workers: int = 1,
) -> dict[str, list[Revision]]:
    """The revisions each of ``tenants`` has not applied, parents first;
    with ``phase="expand"``, only those an expand run would hold back (a
    contract revision and what follows it).

    :raises ConfigurationError: For a phase other than those two.
    """
    from ._steps import check_run_phase

    check_run_phase(phase)
    history = tenancy.history
    found = tenant_versions(tenancy, tenants, workers=workers)
    by_current: dict[tuple[str, ...], list[Revision]] = {}

    for current in found.values():
        if current in by_current:
            continue  # Worked out once for the tenants at the same revisions.

        pending = _not_applied(history, current)

        if phase == "expand":
            held = held_back(pending)
            pending = [r for r in pending if r.revision in held]

        by_current[current] = pending

    return {tenant: list(by_current[found[tenant]]) for tenant in tenants}


def verify_files(history: History, settings: Settings) -> list[Finding]:
    """The findings of ``verify`` that need no database: the revision
    files, then, if they read, the snapshots against them.
    """
    found = verify_history(history)

    if any(f.severity == "error" for f in found):
        return found  # A history that won't read.

    return found + stale_findings(history, snapshot_settings(settings).location)


def verify_tenants(
    tenancy: Tenancy,
    tenants: t.Sequence[str],
    *,
    ledger: bool,
    workers: int = 1,
) -> TenantVerification:
    """The history's findings once, and, with ``ledger``, each tenant's
    ledger findings, each naming its tenant. A tenant not made yet has
    applied nothing, and is not read.
    """
    history = tenancy.history
    found = TenantVerification(verify_files(history, tenancy.settings))
    found.tenants = {name: [] for name in tenants}

    if not ledger or not found.ok:
        return found

    found.ledger = True
    existing = tenancy.existing(tenants)
    name = tenancy.primary.name

    def one(tenant: str) -> list[Finding]:
        if tenant not in existing:
            return []

        connections = tenancy.connections(tenant)

        try:
            return ledger_findings(history, connections, [name], tenant=tenant)
        finally:
            connections.close()
            tenancy.release(tenant)

    for tenant, items in zip(
        tenants, each_tenant(tenancy, tenants, one, workers), strict=True
    ):
        found.tenants[tenant] = items

    return found


def lint_tenants(
    tenancy: Tenancy, tenants: t.Sequence[str], *, workers: int = 1
) -> TenantLint:
    """Lint, once each, the revisions any of ``tenants`` has not applied,
    for the tenants' dialect (the primary database's).
    """
    from ..lint import lint_revisions
    from ._lint_range import dialect_of

    history = tenancy.history
    pending: dict[str, list[str]] = {}
    by_tenant = pending_by_tenant(tenancy, tenants, workers=workers)

    for tenant, revisions in by_tenant.items():
        for revision in revisions:
            pending.setdefault(revision.revision, []).append(tenant)

    chosen = [r for rev, r in history.graph.revisions.items() if rev in pending]
    report = lint_revisions(history, chosen, dialect_of(tenancy.primary))
    order = [r.revision for r in _in_order(history, pending)]
    return TenantLint(report, {rev: pending[rev] for rev in order})


def _not_applied(history: History, current: t.Iterable[str]) -> list[Revision]:
    applied = applied_revisions(history.graph, current)
    ids = [rev for rev in history.graph.revisions if rev not in applied]
    return _in_order(history, ids)


def _in_order(history: History, ids: t.Iterable[str]) -> list[Revision]:
    """The revisions of ``ids``, each after those of them it stands on."""
    revisions = history.graph.revisions
    wanted = set(ids)
    done: set[str] = set()
    ordered: list[Revision] = []

    for start in sorted(wanted):
        todo = [start]

        while todo:
            rev = todo[-1]

            if rev in done:
                todo.pop()
                continue

            below = [d for d in revisions[rev]._all_down if d in wanted - done]

            if below:
                todo.extend(sorted(below))  # The graph has no cycle.
                continue

            todo.pop()
            done.add(rev)
            ordered.append(revisions[rev])

    return ordered
