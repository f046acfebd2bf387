"""Offline scripts (``--sql``) for tenants: one script per tenant, which
makes its schema or database unless it exists and points the session at
it, then runs what the primary database's script would.
"""

from __future__ import annotations

import typing as t

from ..settings import Settings

if t.TYPE_CHECKING:
    import sqlalchemy as sa

    from ..snapshot import Snapshot
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
        extra: dict[str, t.Any] = {"phase": phase} if phase is not None else {}

        if action == "upgrade" and layout.rehome:
            extra["snapshot_body"] = _rehomed_body(dialect, tenant)

        text = make(
            history, targets, [name], target, None, tag, settings=settings, **extra
        )
        result[tenant] = layout.prelude(dialect, tenant) + text[name]

    return result


def _rehomed_body(
    dialect: sa.Dialect, tenant: str
) -> t.Callable[[Snapshot], str | None]:
    """What a snapshot becomes in the tenant's script: its statements
    rewritten to name the tenant's schema, or ``None`` (a replay) where they
    cannot be. The dump empties the ``search_path`` for its transaction;
    after it, the session's points at the tenant again, for the revisions'
    SQL.
    """
    from ..snapshot import Refused
    from ..snapshot import rehomed

    quoted = dialect.identifier_preparer.quote_identifier(tenant)

    def body(snapshot: Snapshot) -> str | None:
        try:
            found = rehomed(snapshot).render(quoted)
        except Refused:
            return None

        found.append(f"SET search_path TO {quoted}")
        return "".join(f"{statement};\n" for statement in found)

    return body
