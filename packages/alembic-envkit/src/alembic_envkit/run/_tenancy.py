"""Tenants as databases the runners know: each tenant is the primary
database pointed somewhere else (a schema, a database, a file), with the
history shared and, on the servers, the engine and its pool shared too.
"""

from __future__ import annotations

import threading
import typing as t

import sqlalchemy as sa

from .._errors import ConfigurationError
from ..settings import LazyTargets
from ..settings import Settings
from ..settings import Target
from ..settings import tenant_settings
from ..settings import TenantSettings
from ._async import engine_for
from ._connections import Connections
from .dialects import create_tenant_engine
from .dialects import impl_for

if t.TYPE_CHECKING:
    from ..history import History
    from ..settings import Targets
    from .dialects import TenantLayout


class Tenancy:
    """The tenants of an environment: their names, from the ``tenants``
    setting, and a :class:`.Connections` for each, made on demand.

    :param settings: The environment's settings.
    :param targets: The environment's databases; tenants are copies of the
        primary one.
    :param history: The revisions, read once for every tenant.
    """

    def __init__(self, settings: Settings, targets: LazyTargets, history: History):
        self.settings = settings
        self.history = history
        self._targets = targets
        self._tenants: dict[str, Target] = {}
        self._lock = threading.Lock()

    @property
    def config(self) -> TenantSettings:
        """The tenant settings.

        :raises ConfigurationError: If no tenants are configured.
        """
        found = tenant_settings(self.settings)

        if found is None:
            raise ConfigurationError(
                "No tenants are configured: set the 'tenants' setting to a"
                " function returning their names, or its 'module:function' name."
            )

        return found

    @property
    def targets(self) -> Targets:
        return self._targets.get()

    @property
    def primary(self) -> Target:
        """The database the tenants are copies of."""
        return self.targets[self.targets.primary]

    @property
    def layout(self) -> TenantLayout:
        """Where tenants live on the primary database's dialect.

        :raises ConfigurationError: If the dialect has no tenants.
        """
        dialect = self.primary.engine.dialect.name
        layout = impl_for(dialect).tenants

        if layout is None:
            raise ConfigurationError(
                f"Tenants are not supported on {dialect}: use PostgreSQL, MariaDB,"
                " MySQL or SQLite for the primary database."
            )

        return layout

    @property
    def is_async(self) -> bool:
        """Whether the primary database has an async engine: each tenant is
        then reached through one too, in an operation of its own.
        """
        return self.primary.async_engine is not None

    def names(self) -> list[str]:
        """The tenant names, as the source lists them."""
        return self.config.names()

    def choose(self, chosen: t.Sequence[str] | None) -> list[str]:
        """The tenants to work on: all for ``None``, else the ones named,
        each of which must be listed by the source.

        :raises ConfigurationError: If a name is not a tenant.
        """
        names = self.names()

        if names:
            # Options create_engine refuses stop here, not on each tenant.
            self.engine(names[0])

        if chosen is None:
            return names

        known = set(names)
        unknown = [n for n in chosen if n not in known]

        if unknown:
            listed = ", ".join(repr(n) for n in unknown)
            raise ConfigurationError(
                f"No tenant named {listed}: the 'tenants' source does not list"
                f" {'them' if len(unknown) > 1 else 'it'}. Add it to the source"
                " first."
            )

        return list(dict.fromkeys(chosen))

    def engine(self, tenant: str) -> sa.Engine:
        """The (sync) engine of ``tenant``: the primary's, or one of its own
        made once (MariaDB, SQLite).
        """
        return self.target(tenant).engine

    def target(self, tenant: str) -> Target:
        """The tenant as a database of its own, pointed at it when
        connected: on the primary's engine, or on one of the tenant's own,
        sync or async as the primary's is, made once.
        """
        with self._lock:
            found = self._tenants.get(tenant)

            if found is None:
                found = self._tenants[tenant] = self._make_target(tenant)

            return found

    def _make_target(self, tenant: str) -> Target:
        primary = self.primary
        config = self.config
        url = self.layout.url(primary.engine.url, tenant, config.folder)

        if url is None:
            engine, async_engine = primary.engine, primary.async_engine
        elif self.is_async:
            async_engine = create_tenant_engine(url, config.engine_options, True)
            engine = async_engine.sync_engine
        else:
            engine = create_tenant_engine(url, config.engine_options, False)
            async_engine = None

        return Target(
            primary.name, engine, primary.metadatas, async_engine, tenant=tenant
        )

    def connections(self, tenant: str, *, lock: bool = True) -> Connections:
        """The connections of ``tenant``, in a scope of their own: close
        them when done.

        :param lock: Whether the runners take the tenant's migration lock
            themselves (as the ``lock`` setting says); ``False`` when the
            caller holds it.
        """
        data: dict[t.Any, t.Any] = {}
        return Connections(
            self.settings_for(tenant, lock=lock),
            LazyTargets(self.targets_for(tenant)),
            self.history,
            lambda: data,
        )

    def settings_for(self, tenant: str, *, lock: bool = True) -> Settings:
        """The settings of ``tenant``: its version table in its schema, and
        the lock off unless ``lock``.
        """
        schema = self.layout.schema(tenant)
        return _tenant_settings(self.settings, self.primary.name, schema, lock=lock)

    def targets_for(self, tenant: str) -> Targets:
        """The tenant as the only database, pointed at it when connected."""
        return self.targets.standing_in([self.target(tenant)])

    def existing(self, tenants: t.Iterable[str]) -> set[str]:
        """Those of ``tenants`` whose schema, database or file exists."""
        engine = engine_for(self.primary)
        return self.layout.existing(engine, self.config.folder, tenants)

    def versions(self, tenants: t.Sequence[str]) -> dict[str, tuple[str, ...]] | None:
        """The revision ids of each tenant, read together where the layout
        can (the servers); ``None`` where each is read on its own.
        """
        name = self.primary.name
        table = self.settings.context_options_for(name).get("version_table")
        engine = engine_for(self.primary)
        return self.layout.versions(engine, tenants, table or "alembic_version")

    def exists(self, tenant: str) -> bool:
        """Whether the tenant's schema, database or file exists."""
        return tenant in self.existing([tenant])

    def create(self, tenant: str) -> None:
        """Make the tenant's schema, database or file's folder, unless it
        exists, another runner making it at the same time included.
        """
        try:
            primary = engine_for(self.primary)
            self.layout.create(primary, engine_for(self.target(tenant)), tenant)
        except sa.exc.DBAPIError:
            # PostgreSQL's CREATE SCHEMA IF NOT EXISTS can fail on a
            # schema made by another session meanwhile.
            if not self.exists(tenant):
                raise

    def release(self, tenant: str) -> None:
        """Close the pooled connections of an engine of the tenant's own
        (MariaDB, SQLite) once a piece of work on it is done, and what its
        migration lock keeps open between locks. Async engines'
        connections belong to the operation that opened them, which closes
        them.
        """
        with self._lock:
            target = self._tenants.get(tenant)

        if target is None or target.engine is self.primary.engine:
            return

        if target.async_engine is None:
            target.engine.dispose()

        # With its connections closed: what its lock keeps (a SQLite file's
        # descriptor), so that thousands of tenants keep nothing open.
        impl_for(target.engine.dialect.name).forget_lock(target.engine)

    def dispose(self) -> None:
        """Dispose the engines made for tenants (MariaDB, SQLite)."""
        with self._lock:
            primary = self.primary.engine
            engines = [
                t.engine for t in self._tenants.values() if t.engine is not primary
            ]
            self._tenants.clear()

        for engine in engines:
            engine.dispose()


def _tenant_settings(
    settings: Settings, name: str, schema: str | None, *, lock: bool
) -> Settings:
    """``settings`` with database ``name``'s version table in ``schema``,
    and the lock off unless ``lock``.
    """
    if schema is None and lock:
        return settings

    options = dict(settings.options)
    context = dict(settings.context)

    if not lock:
        options["lock"] = False

    if schema is not None:
        databases = dict(context.get("databases") or {})
        own = {**(databases.get(name) or {}), "version_table_schema": schema}
        databases[name] = own
        context["databases"] = databases

    return Settings(options, context, settings.root)
