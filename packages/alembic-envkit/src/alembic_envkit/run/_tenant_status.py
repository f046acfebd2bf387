"""Where each tenant stands: its version table read with plain SQLAlchemy,
against the revision graph, a bounded number of tenants at a time.
"""

from __future__ import annotations

import typing as t
from dataclasses import asdict
from dataclasses import dataclass

from ._fanout import each_tenant
from ._reading import rows_by_database

if t.TYPE_CHECKING:
    from ..history import RevisionGraph
    from ._tenancy import Tenancy
    from ._tenant_job import Job


@dataclass(frozen=True)
class TenantStatus:
    """Where one tenant stands.

    .. versionadded:: 0.3
    """

    #: The tenant's name.
    tenant: str
    #: The revisions in its version table; empty at base (or when it does
    #: not exist yet).
    current: tuple[str, ...]
    #: The history's heads.
    heads: tuple[str, ...]
    #: How many revisions an upgrade to the heads would run.
    behind: int

    @property
    def at_head(self) -> bool:
        return self.behind == 0

    def as_dict(self) -> dict[str, t.Any]:
        data = asdict(self)
        data["current"], data["heads"] = list(self.current), list(self.heads)
        data["at_head"] = self.at_head
        return data


def tenant_status(
    tenancy: Tenancy, tenants: t.Sequence[str], *, workers: int = 1
) -> list[TenantStatus]:
    """Where each of ``tenants`` stands, in their order. Takes no lock and
    opens no migration context: one short read per tenant.
    """
    graph = tenancy.history.graph
    heads = tuple(sorted(graph.heads))
    below_heads = _below(graph, heads)
    found = tenant_versions(tenancy, tenants, workers=workers)

    def status(tenant: str) -> TenantStatus:
        ids = found[tenant]
        known = [i for i in ids if i in graph]
        behind = len(below_heads - _below(graph, known))
        return TenantStatus(tenant, ids, heads, behind)

    return [status(tenant) for tenant in tenants]


def tenant_plan(
    tenancy: Tenancy, tenants: t.Sequence[str], work: Job, *, workers: int = 1
) -> dict[str, list[str]]:
    """The revision ids ``work`` would run on each of ``tenants``, in order,
    from one read of each version table; nothing changes.
    """
    found = tenant_versions(tenancy, tenants, workers=workers)
    plans: dict[tuple[str, ...], list[str]] = {}

    for ids in found.values():
        if ids not in plans:
            plans[ids] = work.planned(ids)  # Once for tenants alike.

    return {tenant: plans[found[tenant]] for tenant in tenants}


def tenant_versions(
    tenancy: Tenancy, tenants: t.Sequence[str], *, workers: int = 1
) -> dict[str, tuple[str, ...]]:
    """The revision ids in each tenant's version table, empty where it has
    none yet: read together on the servers, else ``workers`` files at a
    time.
    """
    name = tenancy.primary.name
    together = tenancy.versions(tenants)

    if together is not None:
        return together

    existing = tenancy.existing(tenants)

    def one(tenant: str) -> tuple[str, ...]:
        if tenant not in existing:
            return ()

        connections = tenancy.connections(tenant)

        try:
            return rows_by_database(connections, [name])[name]
        finally:
            connections.close()
            tenancy.release(tenant)

    found = each_tenant(tenancy, tenants, one, workers)
    return dict(zip(tenants, found, strict=True))


def _below(graph: RevisionGraph, ids: t.Iterable[str]) -> set[str]:
    """``ids`` and every revision they stand on (parents and dependencies)."""
    return graph.reach(ids, lambda r: r._all_down)
