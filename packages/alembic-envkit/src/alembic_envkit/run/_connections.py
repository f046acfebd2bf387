"""Connections: one set per environment and scope, opened on first use."""

from __future__ import annotations

import threading
import typing as t
from contextlib import contextmanager
from dataclasses import dataclass
from dataclasses import field

import sqlalchemy as sa

from .._errors import DatabaseUnavailableError
from ..settings import context_options
from ..settings import ledger_settings
from ._async import engine_for
from ._async import scope as operation_scope
from ._ledger import with_ledger_hook
from .dialects import impl_for

if t.TYPE_CHECKING:
    from alembic.operations import Operations
    from alembic.runtime.environment import EnvironmentContext
    from alembic.runtime.migration import MigrationContext

    from ..history import History
    from ..settings import LazyTargets
    from ..settings import Settings
    from ..settings import Targets

_T = t.TypeVar("_T")

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

    def connect(self, history: History, settings: Settings, targets: Targets) -> None:
        """Connect to every database and configure its context."""
        # Imports Alembic, which reading revisions never needs.
        from alembic.runtime.environment import EnvironmentContext

        config = history.config
        script = history.script_directory
        ledger = ledger_settings(settings.options).table is not None

        for name, target in targets.items():
            env_ctx = EnvironmentContext(config, script)
            opts = context_options(settings, target, multidb=targets.multidb)

            if ledger:
                opts = with_ledger_hook(opts)
            connection = connect(name, engine_for(target))
            self.connections.append(connection)

            impl = impl_for(target.engine.dialect.name)
            self.restore.append(impl.prepare_connection(connection))

            if target.tenant is not None and impl.tenants is not None:
                self.restore.append(impl.tenants.enter(connection, target.tenant))

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


class Connections:
    """The connections of one environment: opened on first use, one set
    per scope, each configured as a migration context of its database.

    :param settings: The context options.
    :param targets: The databases.
    :param history: The config and script directory the contexts use.
    :param scope: Returns the dict connections are kept in.
    """

    def __init__(
        self,
        settings: Settings,
        targets: LazyTargets,
        history: History,
        scope: Scope | None = None,
    ) -> None:
        self.settings = settings
        self._targets = targets
        self._history = history
        self._scope = scope or ThreadScope()

    @property
    def targets(self) -> Targets:
        """The databases."""
        return self._targets.get()

    def bound(self) -> Bound:
        """The connections of the current scope, opened if need be."""
        scope = operation_scope(self._scope)
        bound = scope.get(self)

        if bound is None:
            bound = scope[self] = Bound()

            try:
                bound.connect(self._history, self.settings, self.targets)
            except BaseException:
                scope.pop(self, None)
                bound.close()
                raise

        return t.cast(Bound, bound)

    def held(self) -> Bound | None:
        """The connections of the current scope, if any are open."""
        return t.cast("Bound | None", operation_scope(self._scope).get(self))

    def close(self) -> None:
        """Close the connections of the current scope."""
        bound = operation_scope(self._scope).pop(self, None)

        if bound is not None:
            bound.close()

    def environments(self, names: t.Iterable[str]) -> dict[str, EnvironmentContext]:
        """The environment context of each named database, connected."""
        environments = self.bound().environments
        return {name: environments[name] for name in names}

    def contexts(self, names: t.Iterable[str]) -> dict[str, MigrationContext]:
        """The migration context of each named database, connected."""
        return {n: e.get_context() for n, e in self.environments(names).items()}

    def engine(self, name: str) -> sa.Engine:
        """The engine to connect to a database with in this operation."""
        return engine_for(self.targets[name])

    def read_version_tables(
        self,
        read: t.Callable[[sa.Connection, str, str | None], _T],
        names: t.Iterable[str],
        *,
        dialects: tuple[str, ...] | None = None,
    ) -> dict[str, _T]:
        """Call ``read(connection, version_table, schema)`` for each named
        database (of the given dialects only, if given), by name, with
        plain SQLAlchemy: no migration context is made.
        """
        bound = self.held()
        result = {}

        for name in names:
            engine = self.engine(name)

            if dialects is not None and engine.dialect.name not in dialects:
                continue

            opts = self.settings.context_options_for(name)
            table = opts.get("version_table") or "alembic_version"
            schema = opts.get("version_table_schema")

            if bound is not None and bound.environments:
                # Read on the connection this scope already holds, which may
                # be inside a transaction that changed the version table.
                connection = bound.environments[name].get_context().connection
                assert connection is not None
                result[name] = read(connection, table, schema)
            else:
                with connect(name, engine) as connection:
                    result[name] = read(connection, table, schema)

        return result


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
