"""Making new databases at head (``create_at_head(create_database=True)``):
each database is made on its server first. On PostgreSQL it is made from a
template database that holds its newest snapshot, which the server copies
(``CREATE DATABASE ... TEMPLATE``) far faster than the snapshot's
statements run; the template is built once per snapshot file.
"""

from __future__ import annotations

import hashlib
import os
import typing as t

import sqlalchemy as sa

from .._errors import ConfigurationError
from ..settings import snapshot_settings
from ..snapshot import load
from ._async import engine_for
from ._scratch import dispose_target
from ._scratch import on_server
from ._scratch import server_refused
from ._scratch import target_on
from ._snapshot import newest_snapshot

if t.TYPE_CHECKING:
    from ..history import History
    from ..settings import Target
    from ..settings import Targets
    from ..snapshot import Snapshot

#: What is said when a server refuses to make a database.
_WHAT = "make it"
_FIX = "Connect as a user that may create databases."

#: The database each server dialect is reached through to make others.
_MAINTENANCE = {
    "postgresql": "postgres",
    "mysql": "information_schema",
    "mariadb": "information_schema",
}


def create_databases(
    history: History, targets: Targets, names: t.Sequence[str]
) -> list[str]:
    """Make each named database, which must not exist yet (an SQLite file
    that does not exist or is empty needs nothing). On PostgreSQL, where the
    database has a snapshot and the ``snapshots`` setting is on, it is made
    from the snapshot's template.

    :return: The databases made from a template, already at its revisions.
    :raises ConfigurationError: If a database exists, or its URL names none.
    :raises DatabaseUnavailableError: If the server refuses.
    """
    config = snapshot_settings(history.settings)
    templated = []

    for name in names:
        target = targets[name]
        dialect = target.engine.dialect.name
        database = target.engine.url.database

        if dialect == "sqlite":
            if database and os.path.exists(database) and os.path.getsize(database):
                raise _exists(name, database)

            continue

        if dialect not in _MAINTENANCE or not database:
            raise ConfigurationError(
                f"Database {name!r}: create_database makes SQLite, PostgreSQL and"
                " MariaDB databases named in their URL; create this one yourself."
            )

        server = target_on(
            target, target.engine.url.set(database=_MAINTENANCE[dialect])
        )

        try:
            engine = engine_for(server)

            if _database_exists(engine, database, name):
                raise _exists(name, database)

            template = None

            if dialect == "postgresql" and config.load:
                found = newest_snapshot(history, name, dialect, "heads")

                if found is not None:
                    template = _template(engine, target, found)

            quote = engine.dialect.identifier_preparer.quote
            sql = f"CREATE DATABASE {quote(database)}"
            sql += f" TEMPLATE {quote(template)}" if template else ""
            on_server(engine, sql, name, _WHAT, _FIX)
        finally:
            dispose_target(server)

        if template is not None:
            templated.append(name)

    return templated


def _exists(name: str, database: str) -> ConfigurationError:
    return ConfigurationError(
        f"Database {name!r} ({database}) exists: create_database makes new"
        " databases only. Drop it first, or call create_at_head() without it."
    )


def _database_exists(engine: sa.Engine, database: str, name: str) -> bool:
    if engine.dialect.name == "postgresql":
        query = "SELECT 1 FROM pg_database WHERE datname = :name"
    else:
        query = "SELECT 1 FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = :name"

    try:
        with engine.connect() as connection:
            found = connection.execute(sa.text(query), {"name": database}).first()
    except sa.exc.DBAPIError as e:
        raise server_refused(engine, name, e, _WHAT, _FIX) from e

    return found is not None


def _template(engine: sa.Engine, target: Target, snapshot: Snapshot) -> str:
    """The template database holding ``snapshot``, built on first use under
    an advisory lock, and published by a rename once it is whole.
    """
    with open(snapshot.path, "rb") as f:
        digest = hashlib.sha256(f.read()).hexdigest()

    name = f"envkit_template_{digest[:24]}"

    if _database_exists(engine, name, target.name):
        return name

    quote = engine.dialect.identifier_preparer.quote
    building = f"{name}_building"
    key = int(digest[:15], 16)

    with engine.connect() as connection:
        connection.execution_options(isolation_level="AUTOCOMMIT")
        connection.execute(sa.text("SELECT pg_advisory_lock(:key)"), {"key": key})

        try:
            if not _database_exists(engine, name, target.name):
                drop = f"DROP DATABASE IF EXISTS {quote(building)} WITH (FORCE)"
                connection.exec_driver_sql(drop)
                connection.exec_driver_sql(f"CREATE DATABASE {quote(building)}")
                made = target_on(target, target.engine.url.set(database=building))

                try:
                    with engine_for(made).begin() as loading:
                        load(loading, snapshot.read_body())
                finally:
                    dispose_target(made)

                connection.exec_driver_sql(
                    f"ALTER DATABASE {quote(building)} RENAME TO {quote(name)}"
                )
        finally:
            connection.execute(sa.text("SELECT pg_advisory_unlock(:key)"), {"key": key})

    return name
