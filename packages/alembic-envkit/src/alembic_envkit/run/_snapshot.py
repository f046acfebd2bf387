"""Snapshots at work: built by replaying the history into scratch
databases and dumping them; loaded into an empty database before an
upgrade, which then runs only the revisions after the snapshot.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import tempfile
import typing as t
import uuid

import sqlalchemy as sa

from .._errors import ConfigurationError
from .._errors import DatabaseUnavailableError
from ..settings import LazyTargets
from ..settings import ledger_settings
from ..settings import snapshot_settings
from ..settings import Target
from ..settings import Targets
from ..snapshot import dump
from ..snapshot import file_name
from ..snapshot import history_hash
from ..snapshot import load
from ..snapshot import newest_within
from ..snapshot import render
from ..snapshot import Snapshot
from ..snapshot import snapshots
from ._async import engine_for
from ._connections import Connections
from ._ledger import snapshot_rows

if t.TYPE_CHECKING:
    from alembic.runtime.environment import EnvironmentContext

    from ..history import History
    from ..history import RevisionArg
    from ..settings import Settings
    from ..settings import SnapshotSettings
    from ._steps import StepsFn

logger = logging.getLogger("alembic_envkit")


def is_empty(connection: sa.Connection, schema: str | None) -> bool:
    """Whether a database holds no table and no view, in its default schema
    and in the version table's ``schema``.
    """
    inspector = sa.inspect(connection)

    for where in {None, schema}:
        if inspector.get_table_names(schema=where):
            return False

        if inspector.get_view_names(schema=where):
            return False

    return True


def preload(
    history: History,
    environments: t.Mapping[str, EnvironmentContext],
    steps: StepsFn,
    *,
    required: bool = False,
) -> None:
    """Load into each empty database the newest snapshot at or below what
    ``steps`` take it to, so that the upgrade runs only the revisions after
    it. Databases that are not empty, or have no such snapshot, are left
    be, unless ``required``.

    :raises ConfigurationError: If the snapshot was built from another
        history or on another dialect; with ``required``, if a database is
        not empty or has no snapshot. Every database is checked before any
        is loaded.
    """
    config = snapshot_settings(history.settings)
    chosen = {}

    for name, env_ctx in environments.items():
        context = env_ctx.get_context()
        connection = t.cast(sa.Connection, context.connection)
        empty = is_empty(connection, context.version_table_schema)

        if connection.in_transaction():
            connection.rollback()  # Only the emptiness was read.

        if not empty:
            if required:
                raise ConfigurationError(
                    f"Database {name!r} is not empty: a snapshot is only loaded"
                    " into an empty database. Upgrade it without --snapshot."
                )

            continue

        try:
            found = newest_snapshot(history, name, connection.dialect.name, steps)
        except ConfigurationError:
            raise
        except Exception:
            if required:
                raise

            continue  # A target no database reaches: the runner says so.

        if found is None:
            if required:
                raise ConfigurationError(
                    f"Database {name!r} has no snapshot at or below the target in"
                    f" {config.location!r}: write one with 'snapshot'."
                )

            continue

        chosen[name] = (connection, found)

    for name, (connection, found) in chosen.items():
        _load(connection, found)
        logger.info(
            "Database %r: loaded snapshot %s (at %s)",
            name,
            os.path.basename(found.path),
            " ".join(found.revisions),
        )


def newest_snapshot(
    history: History, name: str, dialect: str, steps: StepsFn
) -> Snapshot | None:
    """The newest snapshot of database ``name`` at or below what ``steps``
    take an empty database to, checked against the history and the
    database's ``dialect``; ``None`` when there is none.

    :raises ConfigurationError: If it was built from another history, or
        on another dialect.
    """
    config = snapshot_settings(history.settings)
    # An upgrade's steps need no context to be worked out.
    planned = steps((), None)  # type: ignore[arg-type]
    within = {s.revision.revision for s in planned or () if hasattr(s, "revision")}
    found = newest_within(history.graph, snapshots(config.location, name), within)

    if found is not None:
        _check(history, found, dialect)

    return found


def _check(history: History, snapshot: Snapshot, dialect: str) -> None:
    if snapshot.dialect != dialect:
        raise ConfigurationError(
            f"Snapshot {snapshot.path!r} was built on {snapshot.dialect}, and"
            f" database {snapshot.database!r} is {dialect}: rebuild it with"
            " 'snapshot', or upgrade with --no-snapshot."
        )

    if history_hash(history, snapshot.revisions) != snapshot.history:
        raise ConfigurationError(
            f"Snapshot {snapshot.path!r} was built from another history: a"
            " revision it stands on was added, removed or changed since."
            " Rebuild it with 'snapshot', or upgrade with --no-snapshot."
        )


def _load(connection: sa.Connection, snapshot: Snapshot) -> None:
    body = snapshot.read_body()

    try:
        with connection.begin():
            load(connection, body)
    except Exception:
        if connection.dialect.name in ("mysql", "mariadb"):
            # Its DDL commits as it runs; the database was empty before.
            _clear(connection)

        raise


def _clear(connection: sa.Connection) -> None:
    inspector = sa.inspect(connection)
    quote = connection.dialect.identifier_preparer.quote

    with connection.begin():
        connection.exec_driver_sql("SET FOREIGN_KEY_CHECKS=0")

        for view in inspector.get_view_names():
            connection.exec_driver_sql(f"DROP VIEW IF EXISTS {quote(view)}")

        for table in inspector.get_table_names():
            connection.exec_driver_sql(f"DROP TABLE IF EXISTS {quote(table)}")

        connection.exec_driver_sql("SET FOREIGN_KEY_CHECKS=1")


def build(
    history: History,
    settings: Settings,
    targets: Targets,
    target: RevisionArg,
    names: t.Sequence[str],
    upgrade: t.Callable[..., None],
) -> list[str]:
    """Replay the history up to ``target`` into a scratch database of each
    named database's dialect, dump it, and write its snapshot file.

    :param upgrade: The upgrade runner, called as ``upgrade(history,
        connections, target, names=..., snapshots=False)``.
    :return: The paths written, in the order of ``names``.
    """
    config = snapshot_settings(settings)
    ledger = ledger_settings(settings.options).table
    written = []

    for name in names:
        original = targets[name]

        with scratch_target(original, config) as scratch:
            lazy = LazyTargets(
                Targets({name: list(scratch.metadatas)}, {name: _arg(scratch)})
            )
            connections = Connections(settings, lazy, history)

            try:
                upgrade(history, connections, target, names=[name], snapshots=False)
                context = connections.contexts([name])[name]
                schema = context.version_table_schema
                heads = context.get_current_heads()

                with engine_for(scratch).connect() as connection:
                    body = dump(
                        connection,
                        schema=schema,
                        skip_data=[ledger] if ledger else (),
                        pg_dump=config.pg_dump,
                    )
            finally:
                connections.close()

        if not heads:
            raise ConfigurationError(
                f"Database {name!r} has no revision at {target!r}: there is"
                " nothing to snapshot."
            )

        revisions = tuple(sorted(heads))
        snapshot = Snapshot(
            os.path.join(config.location, file_name(revisions, name)),
            name,
            original.engine.dialect.name,
            revisions,
            history_hash(history, revisions),
        )

        if ledger:
            body += "\n" + snapshot_rows(history, revisions, ledger, schema, original)

        os.makedirs(config.location, exist_ok=True)
        _write(snapshot.path, render(snapshot, body))
        written.append(snapshot.path)

    return written


def _arg(target: Target) -> t.Any:
    return target.async_engine if target.async_engine is not None else target.engine


def _write(path: str, text: str) -> None:
    """Replace the file whole: a reader never sees half of it."""
    folder = os.path.dirname(path)
    fd, temporary = tempfile.mkstemp(dir=folder, prefix=".snapshot-", suffix=".tmp")

    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as f:
            f.write(text)

        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)

        raise


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
            yield _make(target, scratch_url)
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

    made = _make(target, scratch_url)

    try:
        yield made
    finally:
        _dispose(made)

        if created:
            force = " WITH (FORCE)" if dialect == "postgresql" else ""
            _admin(engine, f"DROP DATABASE IF EXISTS {quoted}{force}", target.name)

        if admin is not None:
            admin.dispose()


def _make(target: Target, url: sa.URL) -> Target:
    if target.async_engine is not None:
        from sqlalchemy.ext.asyncio import create_async_engine

        async_engine = create_async_engine(url, poolclass=sa.NullPool)
        return Target(
            target.name, async_engine.sync_engine, target.metadatas, async_engine
        )

    return Target(
        target.name, sa.create_engine(url, poolclass=sa.NullPool), target.metadatas
    )


def _dispose(target: Target) -> None:
    if target.async_engine is None:
        target.engine.dispose()
    # An async engine's pool is a NullPool: nothing is left open.


def _admin(engine: sa.Engine, sql: str, name: str) -> None:
    try:
        with engine.connect() as connection:
            connection.execution_options(isolation_level="AUTOCOMMIT")
            connection.exec_driver_sql(sql)
    except sa.exc.DBAPIError as e:
        raise DatabaseUnavailableError(
            f"Database {name!r}: cannot make a scratch database for the snapshot"
            f" on {engine.url.render_as_string(hide_password=True)}:"
            f" {str(e.orig).strip().splitlines()[0] if e.orig else e}. Give a server"
            " where this user may create databases in the 'snapshot_url' setting."
        ) from e
