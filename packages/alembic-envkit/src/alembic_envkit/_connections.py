"""Connections: one set per environment and scope, opened on first use."""

from __future__ import annotations

import threading
import typing as t
from contextlib import contextmanager
from dataclasses import dataclass
from dataclasses import field

import sqlalchemy as sa
from alembic.operations import Operations
from alembic.runtime.environment import EnvironmentContext
from alembic.runtime.migration import MigrationContext

from ._compare import compare_server_default
from ._errors import DatabaseUnavailableError

if t.TYPE_CHECKING:
    from ._environment import Environment

#: Where an environment keeps its connections: a callable returning a dict
#: that lives as long as the connections should (a thread, a request).
Scope: t.TypeAlias = t.Callable[[], t.MutableMapping[t.Any, t.Any]]


@dataclass
class Bound:
    """The connections and contexts of one environment in one scope."""

    environments: dict[str, EnvironmentContext] = field(default_factory=dict)
    connections: list[sa.Connection] = field(default_factory=list)
    ops: dict[str, Operations] | None = None

    def connect(self, env: Environment) -> None:
        targets = env.targets
        config = env.config
        script = env.script_directory
        settings = env.settings

        for name, target in targets.items():
            env_ctx = EnvironmentContext(config, script)
            opts = settings.context_options_for(name)
            opts["target_metadata"] = target.target_metadata

            if opts.get("compare_server_default") is True:
                opts["compare_server_default"] = compare_server_default

            if target.engine.dialect.name == "sqlite":
                # SQLite cannot ALTER most things; batch operations copy the
                # table instead, as Flask-Migrate users expect.
                opts.setdefault("render_as_batch", True)

            if targets.multidb:
                opts.setdefault("upgrade_token", f"{name}_upgrades")
                opts.setdefault("downgrade_token", f"{name}_downgrades")

            try:
                connection = target.engine.connect()
            except sa.exc.DBAPIError as e:
                url = target.engine.url.render_as_string(hide_password=True)
                reason = str(e.orig).strip().splitlines()[0] if e.orig else str(e)
                raise DatabaseUnavailableError(
                    f"Cannot connect to database {name!r} at {url}: {reason}."
                    " Check that the server is running and the URL is right."
                ) from e

            self.connections.append(connection)
            env_ctx.configure(connection=connection, **opts)
            self.environments[name] = env_ctx

    def close(self) -> None:
        for connection in self.connections:
            connection.close()

        self.connections.clear()
        self.environments.clear()
        self.ops = None


class ThreadScope(threading.local):
    """The default scope: one dict per thread."""

    def __init__(self) -> None:
        self.data: dict[t.Any, t.Any] = {}

    def __call__(self) -> dict[t.Any, t.Any]:
        return self.data


def current_heads(context: MigrationContext) -> tuple[str, ...]:
    with reading(context):
        return context.get_current_heads()


@contextmanager
def reading(context: MigrationContext) -> t.Iterator[None]:
    """End the transaction a read begins, so that the connection holds no
    locks between commands. A transaction that was already open is left
    alone.
    """
    connection = context.connection
    began = connection is not None and not connection.in_transaction()

    try:
        yield
    finally:
        if began and connection is not None and connection.in_transaction():
            connection.rollback()
