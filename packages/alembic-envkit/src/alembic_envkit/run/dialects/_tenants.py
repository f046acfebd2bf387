"""Where a tenant lives, by dialect: a schema on PostgreSQL, a database on
MariaDB and MySQL, a file on SQLite. Each dialect implementation names its
layout in :attr:`.DialectImpl.tenants`. Tenant names reach here checked
(see ``settings/_tenants.py``), and are quoted by the dialect's identifier
preparer before they reach SQL all the same.
"""

from __future__ import annotations

import abc
import os
import typing as t

import sqlalchemy as sa

from ..._errors import ConfigurationError

if t.TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncEngine

#: What puts a connection back as it was.
Restore: t.TypeAlias = t.Callable[[], None]

#: How many tenants' version tables one query reads.
_BATCH = 250


class TenantLayout(abc.ABC):
    """Tenants that share the primary database's engine, one namespace of
    the server each; the subclasses say which.
    """

    #: What a tenant is, for messages and the docs.
    kind: t.ClassVar[str] = "namespace"

    #: Whether a snapshot can be loaded into a new tenant.
    snapshots: t.ClassVar[bool] = True

    #: Whether a snapshot's statements name the namespace they were built
    #: in, and are rewritten to name the tenant's before they are loaded
    #: (see ``snapshot/_rehome.py``).
    rehome: t.ClassVar[bool] = False

    #: Whether a tenant's migration lock is held on a session of the
    #: primary's engine: where the lock is the server's, not the tenant
    #: database's, and the primary's pool saves a tenant a connection.
    locks_on_primary: t.ClassVar[bool] = False

    def url(self, primary: sa.URL, tenant: str, folder: str | None) -> sa.URL | None:
        """The URL of an engine of the tenant's own, or ``None`` where the
        tenant is reached through the primary's engine, whose pool every
        tenant shares.

        :param primary: The primary engine's URL.
        :param folder: The ``tenant_folder`` setting.
        """
        return None

    def schema(self, tenant: str) -> str | None:
        """The schema the tenant's version table is in."""
        return tenant

    @abc.abstractmethod
    def enter(self, connection: sa.Connection, tenant: str) -> Restore:
        """Point a connection at the tenant, and return what points it back
        before it returns to the pool.
        """
        raise NotImplementedError

    @abc.abstractmethod
    def existing(
        self, primary: sa.Engine, folder: str | None, tenants: t.Iterable[str]
    ) -> set[str]:
        """Those of ``tenants`` whose namespace exists, in one look.

        :param primary: The primary database's engine.
        :param folder: The ``tenant_folder`` setting.
        """
        raise NotImplementedError

    @abc.abstractmethod
    def create(self, primary: sa.Engine, tenant_engine: sa.Engine, tenant: str) -> None:
        """Make the tenant's namespace, empty, unless it exists."""
        raise NotImplementedError

    @abc.abstractmethod
    def prelude(self, dialect: sa.Dialect, tenant: str) -> str:
        """What a tenant's offline script starts with: making its namespace
        unless it exists, and pointing the session at it.
        """
        raise NotImplementedError

    def versions(
        self, primary: sa.Engine, tenants: t.Sequence[str], table: str
    ) -> dict[str, tuple[str, ...]] | None:
        """The revision ids in each tenant's version table (none where it
        has no version table, or no namespace), read in a few queries on
        one connection of the primary's server: which namespaces have the
        table, then all their rows at once. ``None`` where the layout reads
        tenants one by one.
        """
        result: dict[str, tuple[str, ...]] = {name: () for name in tenants}
        query = sa.text(
            "SELECT table_schema FROM information_schema.tables"
            " WHERE table_name = :table"
        )

        with primary.connect() as connection:
            rows = connection.execute(query, {"table": table})
            found = sorted({str(r[0]) for r in rows}.intersection(result))
            quote = connection.dialect.identifier_preparer.quote_identifier
            listed: dict[str, list[str]] = {}

            for start in range(0, len(found), _BATCH):
                batch = found[start : start + _BATCH]
                parts = [
                    f"SELECT :t{n} AS tenant, version_num"
                    f" FROM {quote(name)}.{quote(table)}"
                    for n, name in enumerate(batch)
                ]
                params = {f"t{n}": name for n, name in enumerate(batch)}
                union = sa.text(" UNION ALL ".join(parts))

                for tenant, version in connection.execute(union, params):
                    listed.setdefault(str(tenant), []).append(str(version))

        for name, ids in listed.items():
            result[name] = tuple(sorted(ids))  # As version_rows orders them.

        return result


class SchemaLayout(TenantLayout):
    """PostgreSQL: a schema per tenant in the primary database; a migration
    connection's ``search_path`` is the tenant's schema alone.
    """

    kind = "schema"
    # pg_dump names every object with its schema, the scratch database's.
    rehome = True

    def enter(self, connection: sa.Connection, tenant: str) -> Restore:
        quoted = _quote(connection, tenant)
        before = connection.exec_driver_sql("SHOW search_path").scalar()
        _set_config(connection, quoted)

        def restore() -> None:
            _set_config(connection, str(before))

        return _guarded(connection, restore)

    def prelude(self, dialect: sa.Dialect, tenant: str) -> str:
        quoted = dialect.identifier_preparer.quote_identifier(tenant)
        return (
            f"CREATE SCHEMA IF NOT EXISTS {quoted};\n\nSET search_path TO {quoted};\n\n"
        )

    def existing(
        self, primary: sa.Engine, folder: str | None, tenants: t.Iterable[str]
    ) -> set[str]:
        query = "SELECT nspname FROM pg_catalog.pg_namespace"
        return _names(primary, query).intersection(tenants)

    def create(self, primary: sa.Engine, tenant_engine: sa.Engine, tenant: str) -> None:
        _execute(primary, "CREATE SCHEMA IF NOT EXISTS {}", tenant)


class DatabaseLayout(TenantLayout):
    """MariaDB and MySQL: a database per tenant on the primary's server,
    reached through an engine of its own on the same URL but for the
    database (see :func:`create_tenant_engine`): the dialect then reads and empties the
    tenant's database alone wherever it means "the current database"
    (whether it is empty before a snapshot is loaded, what autogenerate
    compares).
    """

    kind = "database"
    # GET_LOCK names are the server's: a warm connection of the primary's
    # pool holds a tenant's lock as well as one of the tenant's own, which
    # a new tenant would have to open (a TLS handshake, with PyMySQL).
    locks_on_primary = True

    def url(self, primary: sa.URL, tenant: str, folder: str | None) -> sa.URL | None:
        return primary.set(database=tenant)

    def schema(self, tenant: str) -> str | None:
        return None

    def enter(self, connection: sa.Connection, tenant: str) -> Restore:
        return _nothing

    def prelude(self, dialect: sa.Dialect, tenant: str) -> str:
        quoted = dialect.identifier_preparer.quote_identifier(tenant)
        return f"CREATE DATABASE IF NOT EXISTS {quoted};\n\nUSE {quoted};\n\n"

    def existing(
        self, primary: sa.Engine, folder: str | None, tenants: t.Iterable[str]
    ) -> set[str]:
        query = "SELECT schema_name FROM information_schema.schemata"
        return _names(primary, query).intersection(tenants)

    def create(self, primary: sa.Engine, tenant_engine: sa.Engine, tenant: str) -> None:
        _execute(primary, "CREATE DATABASE IF NOT EXISTS {}", tenant)


class FileLayout(TenantLayout):
    """SQLite: a file per tenant, ``<tenant>.sqlite``, in the folder of the
    ``tenant_folder`` setting or else of the primary database's file; an
    engine per tenant, since files share nothing.
    """

    kind = "file"

    def url(self, primary: sa.URL, tenant: str, folder: str | None) -> sa.URL | None:
        return primary.set(database=self.path(primary, tenant, folder))

    def path(self, url: sa.URL, tenant: str, folder: str | None) -> str:
        """The file of ``tenant``; ``url`` is the primary engine's."""
        if folder is None:
            primary = url.database

            if not primary or primary == ":memory:" or primary.startswith("file:"):
                raise ConfigurationError(
                    "SQLite tenants are files in a folder, and the primary"
                    " database is not a file: set the 'tenant_folder' setting."
                )

            folder = os.path.dirname(os.path.abspath(primary))

        return os.path.join(folder, f"{tenant}.sqlite")

    def schema(self, tenant: str) -> str | None:
        return None

    def enter(self, connection: sa.Connection, tenant: str) -> Restore:
        return _nothing

    def versions(
        self, primary: sa.Engine, tenants: t.Sequence[str], table: str
    ) -> dict[str, tuple[str, ...]] | None:
        return None  # A file each: nothing to read them together with.

    def prelude(self, dialect: sa.Dialect, tenant: str) -> str:
        return f"-- Tenant {tenant}: run this script on the file {tenant}.sqlite.\n\n"

    def existing(
        self, primary: sa.Engine, folder: str | None, tenants: t.Iterable[str]
    ) -> set[str]:
        return {
            name
            for name in tenants
            if os.path.exists(self.path(primary.url, name, folder))
        }

    def create(self, primary: sa.Engine, tenant_engine: sa.Engine, tenant: str) -> None:
        # The file is made on the first connection; its folder is not.
        path = str(tenant_engine.url.database)
        os.makedirs(os.path.dirname(path), exist_ok=True)


@t.overload
def create_tenant_engine(
    url: sa.URL, options: t.Mapping[str, t.Any], is_async: t.Literal[False]
) -> sa.Engine: ...


@t.overload
def create_tenant_engine(
    url: sa.URL, options: t.Mapping[str, t.Any], is_async: t.Literal[True]
) -> AsyncEngine: ...


def create_tenant_engine(
    url: sa.URL, options: t.Mapping[str, t.Any], is_async: bool
) -> sa.Engine | AsyncEngine:
    """An engine of a tenant's own, sync or async, made with ``options``
    (the ``tenant_engine_options`` setting). Its pool keeps the
    connections of one piece of work on the tenant, and is emptied after
    it (see :meth:`.Tenancy.release`): a fan-out over 500 tenants keeps
    none open between them.

    :raises ConfigurationError: If ``create_engine`` refuses the options.
    """
    if is_async:
        from sqlalchemy.ext.asyncio import create_async_engine as create

        # A connection belongs to the event loop that opened it: none is
        # kept for a later operation, on another loop.
        options = {"poolclass": sa.pool.NullPool, **options}
    else:
        create = sa.create_engine  # type: ignore[assignment]

    try:
        return create(url, **options)
    except (TypeError, sa.exc.ArgumentError) as e:
        reason = str(e).split(".  ")[0].rstrip(".")
        raise ConfigurationError(
            f"create_engine refuses the 'tenant_engine_options' setting: {reason}."
            " Give only options create_engine takes for the tenants' URL."
        ) from e


def _quote(connection: sa.Connection, name: str) -> str:
    return connection.dialect.identifier_preparer.quote_identifier(name)


def _set_config(connection: sa.Connection, value: str) -> None:
    query = sa.text("SELECT set_config('search_path', :v, false)")
    connection.execute(query, {"v": value})
    connection.commit()


def _guarded(connection: sa.Connection, restore: Restore) -> Restore:
    """``restore``, which drops the session instead where it fails (a
    broken connection), so that no pooled connection keeps a tenant's state.
    """

    def run() -> None:
        try:
            if connection.in_transaction():
                connection.rollback()

            restore()
        except sa.exc.SQLAlchemyError:
            connection.invalidate()

    return run


def _names(engine: sa.Engine, query: str) -> set[str]:
    with engine.connect() as connection:
        return {str(row[0]) for row in connection.exec_driver_sql(query)}


def _execute(engine: sa.Engine, template: str, tenant: str) -> None:
    with engine.connect() as connection:
        connection.exec_driver_sql(template.format(_quote(connection, tenant)))
        connection.commit()


def _nothing() -> None:
    pass
