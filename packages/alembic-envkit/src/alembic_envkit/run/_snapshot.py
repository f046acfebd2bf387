"""Snapshots loaded: into an empty database, before an upgrade, which then
runs only the revisions after the snapshot.
"""

from __future__ import annotations

import logging
import os
import typing as t

import sqlalchemy as sa

from .._alembic import upgrade_revs
from .._errors import ConfigurationError
from .._errors import translate_alembic_errors
from ..history import applied_revisions
from ..history import held_back
from ..history import step_target
from ..settings import snapshot_settings
from ..snapshot import copy_template
from ..snapshot import history_hash
from ..snapshot import load
from ..snapshot import load_statements
from ..snapshot import newest_within
from ..snapshot import Refused
from ..snapshot import rehomed
from ..snapshot import Snapshot
from ..snapshot import snapshots
from .dialects import impl_for

if t.TYPE_CHECKING:
    from alembic.runtime.environment import EnvironmentContext

    from ..history import History
    from ..history import TargetArg

logger = logging.getLogger("alembic_envkit")


def is_empty(
    connection: sa.Connection, schema: str | None, *, only: bool = False
) -> bool:
    """Whether a database holds no table and no view, in its default schema
    and in the version table's ``schema``; with ``only``, in ``schema``
    alone (a tenant's).
    """
    inspector = sa.inspect(connection)

    for where in {schema} if only else {None, schema}:
        if inspector.get_table_names(schema=where):
            return False

        if inspector.get_view_names(schema=where):
            return False

    return True


def preload(
    history: History,
    environments: t.Mapping[str, EnvironmentContext],
    target: TargetArg,
    *,
    required: bool = False,
    phase: str | None = None,
    tenants: t.Mapping[str, str] | None = None,
) -> None:
    """Load into each empty database the newest snapshot at or below
    ``target``, so that the upgrade runs only the revisions after it.
    Databases that are not empty, or have no such snapshot, are left be,
    unless ``required``.

    :param tenants: The tenant each database stands for, where it is one:
        its namespace alone is looked at, and on PostgreSQL the snapshot's
        statements are rewritten to name its schema. A snapshot that cannot
        be rewritten is not loaded (a debug line says why).
    :raises ConfigurationError: If the snapshot was built from another
        history or on another dialect; with ``required``, if a database is
        not empty or has no snapshot. Every database is checked before any
        is loaded.
    """
    config = snapshot_settings(history.settings)
    tenants = tenants or {}
    chosen: dict[str, tuple[sa.Connection, Snapshot, list[str] | None]] = {}

    for name, env_ctx in environments.items():
        files = snapshots(config.location, name)

        if not required and not files:
            continue  # Nothing to load: the database is not even looked at.

        context = env_ctx.get_context()
        connection = t.cast(sa.Connection, context.connection)
        tenant = tenants.get(name)
        layout = impl_for(connection.dialect.name).tenants

        if tenant is not None and layout is not None:
            empty = is_empty(connection, layout.schema(tenant), only=True)
        else:
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
            found = newest_snapshot(
                history, name, connection.dialect.name, target, files, phase=phase
            )
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

        statements = None

        if tenant is not None and layout is not None and layout.rehome:
            statements = _rehomed(connection, found, tenant, required=required)

            if statements is None:
                continue

        chosen[name] = (connection, found, statements)

    for name, (connection, found, statements) in chosen.items():
        _load(connection, found, statements)
        logger.info(
            "Database %r: loaded snapshot %s (at %s)",
            name,
            os.path.basename(found.path),
            " ".join(found.revisions),
        )


def newest_snapshot(
    history: History,
    name: str,
    dialect: str,
    target: TargetArg,
    files: list[Snapshot] | None = None,
    *,
    phase: str | None = None,
) -> Snapshot | None:
    """The newest snapshot of database ``name`` at or below what an upgrade
    to ``target`` takes an empty database to, checked against the history
    and the database's ``dialect``; ``None`` when there is none.

    :param files: The database's snapshot files, when the caller has read
        them already.
    :param phase: With ``"expand"``, only what an expand run applies counts
        as within the target.
    :raises ConfigurationError: If it was built from another history, or
        on another dialect.
    """
    if files is None:
        files = snapshots(snapshot_settings(history.settings).location, name)

    if not files:
        return None

    within = _within(history, target)

    if phase == "expand":
        within -= held_back(history.graph[r] for r in within)

    found = newest_within(history.graph, files, within)

    if found is not None:
        _check(history, found, dialect)

    return found


def _within(history: History, target: TargetArg) -> set[str]:
    """The revisions an upgrade of an empty database to ``target`` applies,
    from the graph; a number of steps is worked out by Alembic, which loads
    the revisions' modules to do it.
    """
    graph = history.graph

    # What the graph tells alone, without building Alembic's revision map.
    if target == "heads" or (target == "head" and len(graph.heads) == 1):
        return applied_revisions(graph, graph.heads)

    if isinstance(target, str) and target in graph.revisions:
        return applied_revisions(graph, [target])

    script = history.script_directory
    dest = step_target(script, target, down=False)

    if isinstance(dest, str) and dest[:1] in "+-":
        steps = upgrade_revs(script, dest, ())
        return {s.revision.revision for s in steps if hasattr(s, "revision")}

    with translate_alembic_errors():
        found = script.revision_map.get_revisions(dest)

    ids = [r.revision for r in found if r is not None and not isinstance(r, str)]
    return applied_revisions(history.graph, ids)


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


def _rehomed(
    connection: sa.Connection, snapshot: Snapshot, tenant: str, *, required: bool
) -> list[str] | None:
    """The statements of ``snapshot`` for the schema of ``tenant``; ``None``
    when they cannot be moved there, and the tenant replays its revisions.

    :raises ConfigurationError: With ``required``, if they cannot.
    """
    quoted = connection.dialect.identifier_preparer.quote_identifier(tenant)

    try:
        return rehomed(snapshot).render(quoted)
    except Refused as e:
        if required:
            raise ConfigurationError(
                f"Snapshot {snapshot.path!r} cannot be loaded into tenant"
                f" {tenant!r}: {e}. Upgrade it without --snapshot."
            ) from e

        logger.debug(
            "Tenant %r: snapshot %s is not loaded, since %s; the tenant"
            " replays its revisions instead",
            tenant,
            os.path.basename(snapshot.path),
            e,
        )
        return None


def _load(
    connection: sa.Connection, snapshot: Snapshot, statements: list[str] | None
) -> None:
    if statements is not None:
        with connection.begin():
            load_statements(connection, statements)

        return

    stat = os.stat(snapshot.path)
    key = (snapshot.path, stat.st_size, stat.st_mtime_ns)

    if copy_template(connection, key, snapshot.read_body):
        return

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
