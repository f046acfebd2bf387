"""Connections: one set per environment and scope, opened on first use."""

from __future__ import annotations

import threading
import typing as t
from contextlib import contextmanager
from dataclasses import dataclass
from dataclasses import field

import sqlalchemy as sa

from ._async import engine_for
from ._compare import compare_server_default
from ._errors import DatabaseUnavailableError

if t.TYPE_CHECKING:
    from alembic.operations import Operations
    from alembic.runtime.environment import EnvironmentContext
    from alembic.runtime.migration import MigrationContext

    from ._core import EnvironmentCore
    from ._revision_files import RevisionFiles
    from ._targets import Target

#: Where an environment keeps its connections: a callable returning a dict
#: that lives as long as the connections should (a thread, a request).
Scope: t.TypeAlias = t.Callable[[], t.MutableMapping[t.Any, t.Any]]


@dataclass
class Bound:
    """The connections and contexts of one environment in one scope."""

    environments: dict[str, EnvironmentContext] = field(default_factory=dict)
    connections: list[sa.Connection] = field(default_factory=list)
    restore: list[t.Callable[[], None]] = field(default_factory=list)
    ops: dict[str, Operations] | None = None

    def connect(self, env: RevisionFiles) -> None:
        targets = env.targets
        config = env.config
        script = env.script_directory
        from alembic.runtime.environment import EnvironmentContext

        for name, target in targets.items():
            env_ctx = EnvironmentContext(config, script)
            opts = context_options(env, name, target)
            sqlite = target.engine.dialect.name == "sqlite"

            connection = connect(name, engine_for(target))
            self.connections.append(connection)

            if sqlite:
                self.restore.append(_make_transactional(connection))

            env_ctx.configure(connection=connection, **opts)
            self.environments[name] = env_ctx

    def close(self) -> None:
        for restore in self.restore:
            restore()

        for connection in self.connections:
            connection.close()

        self.restore.clear()
        self.connections.clear()
        self.environments.clear()
        self.ops = None


def context_options(
    env: EnvironmentCore, name: str, target: Target
) -> dict[str, t.Any]:
    """The options one database's migration context is configured with,
    online or offline (``--sql``): the settings' context options for that
    database and this package's defaults.

    :param env: The environment the database belongs to.
    :param name: Name of the database.
    :param target: Its engine and metadata.
    """
    settings = env.settings
    opts = settings.context_options_for(name)
    opts["target_metadata"] = target.target_metadata

    if opts.get("compare_server_default") is True:
        opts["compare_server_default"] = compare_server_default

    if settings.transaction_mode_for(target.engine.dialect.name) == "revision":
        opts.setdefault("transaction_per_migration", True)

    if target.engine.dialect.name == "sqlite":
        # SQLite cannot ALTER most things; batch operations copy the table
        # instead, as Flask-Migrate users expect.
        opts.setdefault("render_as_batch", True)
        # Its DDL is transactional once the driver stops committing around
        # it, which _make_transactional does for an online connection.
        opts.setdefault("transactional_ddl", True)

    if env.targets.multidb:
        opts.setdefault("upgrade_token", f"{name}_upgrades")
        opts.setdefault("downgrade_token", f"{name}_downgrades")

    return opts


def _make_transactional(connection: sa.Connection) -> t.Callable[[], None]:
    """Make pysqlite run DDL inside transactions on this connection only:
    the driver stops beginning and committing on its own, and each
    transaction starts with an explicit BEGIN. Returns a function that puts
    the connection back as it was before it returns to the user's pool.
    """
    # The DB-API connection: for aiosqlite, SQLAlchemy's adapter, whose
    # isolation_level setter runs in aiosqlite's thread.
    driver: t.Any = connection.connection.dbapi_connection

    if not hasattr(driver, "isolation_level"):
        return lambda: None

    previous = driver.isolation_level

    if connection.in_transaction():
        connection.commit()

    driver.isolation_level = None
    sa.event.listen(connection, "begin", _emit_begin)

    def restore() -> None:
        sa.event.remove(connection, "begin", _emit_begin)

        if connection.in_transaction():
            connection.rollback()

        if not connection.closed and not connection.invalidated:
            driver.isolation_level = previous

    return restore


def _emit_begin(connection: sa.Connection) -> None:
    connection.exec_driver_sql("BEGIN")


class ThreadScope(threading.local):
    """The default scope: one dict per thread."""

    def __init__(self) -> None:
        self.data: dict[t.Any, t.Any] = {}

    def __call__(self) -> dict[t.Any, t.Any]:
        return self.data


def close_scope(data: t.MutableMapping[t.Any, t.Any]) -> None:
    """Close every connection that environments keep in a scope's dict, and
    empty it: call it when what the scope stands for (a request, an app
    context) ends. The environments open new connections on next use.

    :param data: A dict a :data:`Scope` returned.

    .. versionadded:: 0.1
    """
    values = list(data.values())
    data.clear()

    for value in values:
        if isinstance(value, Bound):
            value.close()


def connect(name: str, engine: sa.Engine) -> sa.Connection:
    """Connect to a database, turning a refused connection into an error
    that names the database and its URL without the password.

    :param name: Name of the database, for the message.
    :param engine: Its engine.
    """
    try:
        return engine.connect()
    except sa.exc.DBAPIError as e:
        url = engine.url.render_as_string(hide_password=True)
        reason = str(e.orig).strip().splitlines()[0] if e.orig else str(e)
        raise DatabaseUnavailableError(
            f"Cannot connect to database {name!r} at {url}: {reason}."
            " Check that the server is running and the URL is right."
        ) from e


@contextmanager
def ending_read(connection: sa.Connection | None) -> t.Iterator[None]:
    """End the transaction a read begins, so that the connection holds no
    locks between commands. A transaction that was already open is left
    alone.
    """
    began = connection is not None and not connection.in_transaction()

    try:
        yield
    finally:
        if began and connection is not None and connection.in_transaction():
            connection.rollback()


def reading(context: MigrationContext) -> t.ContextManager[None]:
    """:func:`ending_read` on a migration context's connection."""
    return ending_read(context.connection)
