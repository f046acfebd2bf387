"""Offline scripts (``--sql``) for tenants: one script per tenant, which
makes its schema or database unless it exists and points the session at
it, then runs what the primary database's script would.
"""

from __future__ import annotations

import typing as t

from ..settings import Settings

if t.TYPE_CHECKING:
    from ._tenancy import Tenancy


def tenant_scripts(
    tenancy: Tenancy,
    tenants: t.Sequence[str],
    action: str,
    target: str,
    tag: str | None,
    phase: str | None = None,
) -> dict[str, str]:
    """The script of ``action`` (``upgrade``, ``downgrade`` or ``stamp``)
    to ``target`` (or a ``FROM:TO`` range) for each tenant, by name. No
    database is connected to. A snapshot starts a tenant's upgrade script
    from empty where the layout can load one. ``phase`` ``"expand"``
    holds back contract revisions from an upgrade, as online.
    """
    # Imports Alembic's runtime, which reading where tenants stand never needs.
    from ._offline import downgrade_sql
    from ._offline import stamp_sql
    from ._offline import upgrade_sql

    makers = {"upgrade": upgrade_sql, "downgrade": downgrade_sql, "stamp": stamp_sql}
    make = makers[action]
    layout = tenancy.layout
    name = tenancy.primary.name
    dialect = tenancy.primary.engine.dialect
    result = {}

    for tenant in tenants:
        settings = tenancy.settings_for(tenant)

        if not layout.snapshots:
            options = {**settings.options, "snapshots": False}
            settings = Settings(options, settings.context, settings.root)

        targets = tenancy.targets_for(tenant)
        history = tenancy.history
        extra = {"phase": phase} if phase is not None else {}
        text = make(
            history, targets, [name], target, None, tag, settings=settings, **extra
        )
        result[tenant] = layout.prelude(dialect, tenant) + text[name]

    return result
