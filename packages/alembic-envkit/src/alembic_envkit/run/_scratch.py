"""Scratch databases for snapshots: a new, empty database of a target's
dialect, dropped at the end, on which the history is replayed.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
import typing as t
import uuid

import sqlalchemy as sa

from .._errors import DatabaseUnavailableError
from ..settings import LazyTargets
from ..settings import Target
from ._async import engine_for
from ._connections import Connections

if t.TYPE_CHECKING:
    from ..history import History
    from ..history import TargetArg
    from ..settings import Settings
    from ..settings import SnapshotSettings
    from ..settings import Targets


@contextlib.contextmanager
def scratch_target(target: Target, config: SnapshotSettings) -> t.Iterator[Target]:
    """A target like ``target`` on a new, empty database of its dialect,
    dropped at the end: a file in a temporary folder for SQLite; on a
    server, a database made on the ``snapshot_url`` server or on the
    database's own.

    :raises DatabaseUnavailableError: If the server cannot be reached, or
        refuses to make the database.
    """
    url = target.engine.url
    dialect = target.engine.dialect.name

    if dialect == "sqlite":
        folder = tempfile.mkdtemp(prefix="envkit-snapshot-")

        try:
            scratch_url = url.set(database=os.path.join(folder, "scratch.sqlite"))
            yield target_on(target, scratch_url)
        finally:
            shutil.rmtree(folder, ignore_errors=True)

        return

    server = config.url_for(target.name)
    admin = sa.create_engine(server, poolclass=sa.NullPool) if server else None
    engine = admin or engine_for(target)
    name = f"envkit_snapshot_{uuid.uuid4().hex[:16]}"
    quoted = engine.dialect.identifier_preparer.quote(name)

    try:
        _admin(engine, f"CREATE DATABASE {quoted}", target.name)
        created = True
    except BaseException:
        if admin is not None:
            admin.dispose()

        raise

    scratch_url = (server or url).set(database=name)

    if server is not None and target.async_engine is not None:
        scratch_url = scratch_url.set(drivername=url.drivername)

    made = target_on(target, scratch_url)

    try:
        yield made
    finally:
        dispose_target(made)

        if created:
            force = " WITH (FORCE)" if dialect == "postgresql" else ""
            _admin(engine, f"DROP DATABASE IF EXISTS {quoted}{force}", target.name)

        if admin is not None:
            admin.dispose()


def target_on(target: Target, url: sa.URL) -> Target:
    """A target like ``target`` on another database of its server (``url``),
    with an engine of the same kind, sync or async; see
    :func:`dispose_target`.
    """
    if target.async_engine is not None:
        from sqlalchemy.ext.asyncio import create_async_engine

        async_engine = create_async_engine(url, poolclass=sa.NullPool)
        return Target(
            target.name, async_engine.sync_engine, target.metadatas, async_engine
        )

    return Target(
        target.name, sa.create_engine(url, poolclass=sa.NullPool), target.metadatas
    )


def dispose_target(target: Target) -> None:
    """Close the pool of a target made by :func:`target_on`."""
    if target.async_engine is None:
        target.engine.dispose()
    # An async engine's pool is a NullPool: nothing is left open.


#: The fix said when a server refuses a scratch database.
_SCRATCH_FIX = (
    "Give a server where this user may create databases in the 'snapshot_url' setting."
)


def _admin(engine: sa.Engine, sql: str, name: str) -> None:
    on_server(
        engine, sql, name, "make a scratch database for the snapshot", _SCRATCH_FIX
    )


def on_server(engine: sa.Engine, sql: str, name: str, what: str, fix: str) -> None:
    """Run ``sql`` outside any transaction, as ``CREATE DATABASE`` and
    ``DROP DATABASE`` must run, for database ``name``.

    :raises DatabaseUnavailableError: Saying it could not ``what``, why,
        and ``fix``, if the server refuses or cannot be reached.
    """
    try:
        with engine.connect() as connection:
            connection.execution_options(isolation_level="AUTOCOMMIT")
            connection.exec_driver_sql(sql)
    except sa.exc.DBAPIError as e:
        raise server_refused(engine, name, e, what, fix) from e


def server_refused(
    engine: sa.Engine, name: str, error: sa.exc.DBAPIError, what: str, fix: str
) -> DatabaseUnavailableError:
    """The one-line error of a server that refused to ``what`` for database
    ``name``, with the first line of its reason and ``fix``.
    """
    reason = str(error.orig).strip().splitlines()[0] if error.orig else str(error)
    return DatabaseUnavailableError(
        f"Database {name!r}: cannot {what} on"
        f" {engine.url.render_as_string(hide_password=True)}: {reason}. {fix}"
    )


def upgrade_scratch(
    history: History,
    settings: Settings,
    targets: Targets,
    scratch: Target,
    target: TargetArg,
    upgrade: t.Callable[..., None],
    *,
    snapshots: bool,
) -> tuple[str | None, tuple[str, ...]]:
    """Upgrade a scratch database standing in for its target, as on the
    target (see :meth:`.Targets.standing_in`), to ``target``, loading a
    snapshot or not; its version table's schema and its heads.

    :param upgrade: The upgrade runner, called as ``upgrade(history,
        connections, target, names=..., snapshots=...)``.
    """
    name = scratch.name
    lazy = LazyTargets(targets.standing_in([scratch]))
    connections = Connections(settings, lazy, history)

    try:
        upgrade(history, connections, target, names=[name], snapshots=snapshots)
        context = connections.contexts([name])[name]
        return context.version_table_schema, tuple(context.get_current_heads())
    finally:
        connections.close()
