"""Where each tenant stands: its version table read with plain SQLAlchemy,
against the revision graph, a bounded number of tenants at a time.
"""

from __future__ import annotations

import typing as t
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict
from dataclasses import dataclass

from ._fanout import each
from ._reading import rows_by_database

if t.TYPE_CHECKING:
    from ..history import RevisionGraph
    from ._tenancy import Tenancy


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
    name = tenancy.primary.name
    together = tenancy.versions(tenants)
    existing = tenancy.existing(tenants) if together is None else set(tenants)

    def status(tenant: str, ids: tuple[str, ...]) -> TenantStatus:
        known = [i for i in ids if i in graph]
        behind = len(below_heads - _below(graph, known))
        return TenantStatus(tenant, ids, heads, behind)

    def one(tenant: str) -> TenantStatus:
        if together is not None:
            return status(tenant, together[tenant])

        if tenant not in existing:
            return status(tenant, ())

        connections = tenancy.connections(tenant)
        return status(tenant, rows_by_database(connections, [name])[name])

    if workers == 1 or together is not None:
        return [one(tenant) for tenant in tenants]

    with ThreadPoolExecutor(max_workers=workers) as pool:
        return each(pool, one, tenants)


def _below(graph: RevisionGraph, ids: t.Iterable[str]) -> set[str]:
    """``ids`` and every revision they stand on (parents and dependencies)."""
    return graph.reach(ids, lambda r: r._all_down)
