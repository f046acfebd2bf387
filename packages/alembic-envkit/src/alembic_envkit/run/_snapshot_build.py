"""Writing snapshots: the history replayed into a scratch database of each
database's dialect, dumped, and written to its snapshot file.
"""

from __future__ import annotations

import contextlib
import os
import typing as t
import uuid

import sqlalchemy as sa

from .._errors import ConfigurationError
from ..settings import ledger_settings
from ..settings import snapshot_settings
from ..settings import Targets
from ..snapshot import dump
from ..snapshot import file_name
from ..snapshot import history_hash
from ..snapshot import render
from ..snapshot import Snapshot
from ._async import engine_for
from ._ledger import snapshot_rows
from ._scratch import scratch_target
from ._scratch import upgrade_scratch

if t.TYPE_CHECKING:
    from ..history import History
    from ..history import TargetArg
    from ..settings import Settings


def build(
    history: History,
    settings: Settings,
    targets: Targets,
    target: TargetArg,
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
            schema, heads = upgrade_scratch(
                history, settings, targets, scratch, target, upgrade, snapshots=False
            )

            with engine_for(scratch).connect() as connection:
                body = dump(
                    connection,
                    schema=schema,
                    skip_data=[ledger] if ledger else (),
                    pg_dump=config.pg_dump,
                )
                home = _home(connection, schema)

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
            home,
        )

        if ledger:
            # Named with the schema, as the dump names every table: the load
            # runs with an empty search_path.
            where = schema if home is None else home
            body += "\n" + snapshot_rows(history, revisions, ledger, where, original)

        os.makedirs(config.location, exist_ok=True)
        _write(snapshot.path, render(snapshot, body))
        written.append(snapshot.path)

    return written


def _home(connection: sa.Connection, schema: str | None) -> str | None:
    """PostgreSQL: the schema that the dump's statements name, ``schema``
    or else the scratch database's current one; ``None`` elsewhere.
    """
    if connection.dialect.name != "postgresql":
        return None

    if schema is not None:
        return schema

    return str(connection.exec_driver_sql("SELECT current_schema()").scalar())


def _write(path: str, text: str) -> None:
    """Replace the file whole: a reader never sees half of it."""
    temporary = f"{path}.{uuid.uuid4().hex[:8]}.tmp"

    try:
        with open(temporary, "x", encoding="utf-8", newline="\n") as f:
            f.write(text)

        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)

        raise
