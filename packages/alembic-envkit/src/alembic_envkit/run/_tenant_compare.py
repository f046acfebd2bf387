"""Comparing the models with a tenant, as ``check`` and ``revision
--autogenerate`` compare them with a database: on the tenant's own tables,
not its version table nor, with ``include_schemas``, other tenants'
schemas.
"""

from __future__ import annotations

import typing as t

from .._errors import ConfigurationError
from ..settings import LazyTargets
from ..settings import Settings
from ._connections import Connections

if t.TYPE_CHECKING:
    from ._tenancy import Tenancy


def compare_tenant(
    tenancy: Tenancy, tenant: str, every: t.Collection[str]
) -> list[t.Any]:
    """Alembic's diff tuples between the models and ``tenant``, which must
    be at head. Only the tenant's own tables are compared: not its version
    table (kept in its schema on PostgreSQL), and, with ``include_schemas``,
    not the schemas or databases of ``every`` tenant.
    """
    from ._autogenerate import autogenerate_diffs

    name = tenancy.primary.name
    settings = compare_settings(tenancy, tenant, every)
    data: dict[t.Any, t.Any] = {}
    targets = LazyTargets(tenancy.targets_for(tenant))
    connections = Connections(settings, targets, tenancy.history, lambda: data)

    try:
        return autogenerate_diffs(tenancy.history, connections, [name])[name]
    finally:
        connections.close()
        tenancy.release(tenant)


def comparing_connections(tenancy: Tenancy, tenant: str) -> Connections:
    """Connections that compare the models with ``tenant`` in place of the
    primary database, as :func:`compare_tenant` does, the other databases
    as they are: what ``revision --autogenerate --tenant`` compares. Close
    them when done.

    :raises ConfigurationError: If the tenant is not listed, or not made.
    """
    tenancy.choose([tenant])

    if not tenancy.exists(tenant):
        raise ConfigurationError(
            f"Tenant {tenant!r} has no {tenancy.layout.kind} yet: upgrade it to"
            " the heads before comparing the models with it."
        )

    settings = compare_settings(tenancy, tenant, tenancy.names())
    primary = tenancy.primary.name
    targets = tenancy.targets
    standing = [
        tenancy.target(tenant) if name == primary else target
        for name, target in targets.items()
    ]
    data: dict[t.Any, t.Any] = {}
    lazy = LazyTargets(targets.standing_in(standing))
    return Connections(settings, lazy, tenancy.history, lambda: data)


def compare_settings(
    tenancy: Tenancy, tenant: str, every: t.Collection[str]
) -> Settings:
    """The tenant's settings with an ``include_name`` hook that leaves out
    its version table and the namespaces of ``every`` tenant, then asks
    the configured hook, if any.
    """
    settings = tenancy.settings_for(tenant)
    name = tenancy.primary.name
    opts = settings.context_options_for(name)
    table = opts.get("version_table") or "alembic_version"
    schema = opts.get("version_table_schema")
    configured = opts.get("include_name")
    others = frozenset(every) | {tenant}

    def include(item: str | None, type_: str, parent_names: t.Any) -> bool:
        if type_ == "schema" and item in others:
            return False  # Tenants, this one included: its tables are None's.

        if type_ == "table" and item == table:
            if parent_names.get("schema_name") in (None, schema):
                return False

        return configured is None or bool(configured(item, type_, parent_names))

    context = dict(settings.context)
    databases = dict(context.get("databases") or {})
    databases[name] = {**(databases.get(name) or {}), "include_name": include}
    context["databases"] = databases
    return Settings(settings.options, context, settings.root)
