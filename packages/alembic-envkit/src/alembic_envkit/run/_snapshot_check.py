"""``snapshot --check``: replay the history into one scratch database,
upgrade another from its snapshot, and compare the two, by Alembic's
``compare_metadata``, by a normalised dump of the catalog, and row by row.
"""

from __future__ import annotations

import re
import typing as t

import sqlalchemy as sa

from .._errors import ConfigurationError
from ..settings import ledger_settings
from ..settings import snapshot_settings
from ..settings import Targets
from ..snapshot import catalog
from ..snapshot import compare_catalogs
from ._async import engine_for
from ._scratch import scratch_target
from ._scratch import upgrade_scratch
from ._snapshot import newest_snapshot

if t.TYPE_CHECKING:
    from ..history import History
    from ..history import TargetArg
    from ..settings import Settings
    from ..settings import Target


def check(
    history: History,
    settings: Settings,
    targets: Targets,
    target: TargetArg,
    names: t.Sequence[str],
    upgrade: t.Callable[..., None],
) -> dict[str, list[str]]:
    """Every difference between a database replayed to ``target`` and one
    brought there from its newest snapshot, for each named database.

    :param upgrade: The upgrade runner, as for :func:`.build`.
    :return: The differences of each database, one line each, by name;
        all empty when every snapshot is faithful.
    :raises ConfigurationError: If a database has no snapshot at or below
        the target.
    """
    config = snapshot_settings(settings)
    ledger = ledger_settings(settings.options).table
    skip = [ledger] if ledger else []
    result = {}

    for name in names:
        original = targets[name]
        _require_snapshot(history, config.location, original, target)

        with (
            scratch_target(original, config) as replayed,
            scratch_target(original, config) as loaded,
        ):
            for scratch, use in ((replayed, False), (loaded, True)):
                schema, _ = upgrade_scratch(
                    history, settings, targets, scratch, target, upgrade, snapshots=use
                )

            with (
                engine_for(replayed).connect() as expected,
                engine_for(loaded).connect() as actual,
            ):
                result[name] = _differences(expected, actual, schema, skip)

    return result


def _require_snapshot(
    history: History, folder: str, target: Target, goal: TargetArg
) -> None:
    dialect = target.engine.dialect.name

    if newest_snapshot(history, target.name, dialect, goal) is None:
        raise ConfigurationError(
            f"Database {target.name!r} has no snapshot at or below {goal!r} in"
            f" {folder!r}: write one with 'snapshot' first."
        )


def _differences(
    expected: sa.Connection,
    actual: sa.Connection,
    schema: str | None,
    skip: t.Sequence[str],
) -> list[str]:
    lines = compare_catalogs(
        catalog(expected, schema, exclude_tables=skip),
        catalog(actual, schema, exclude_tables=skip),
    )
    lines += _metadata_differences(expected, actual, schema, skip)
    lines += _row_differences(expected, actual, schema, skip)
    return lines


def _metadata_differences(
    expected: sa.Connection,
    actual: sa.Connection,
    schema: str | None,
    skip: t.Sequence[str],
) -> list[str]:
    """Alembic's autogenerate comparison of the loaded database with the
    tables reflected from the replayed one.
    """
    # Imports Alembic's autogenerate, which only this and revisions need.
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    metadata = sa.MetaData()
    metadata.reflect(expected, schema=schema)

    for name in skip:
        table = metadata.tables.get(name if schema is None else f"{schema}.{name}")

        if table is not None:
            metadata.remove(table)

    def include_name(name: str | None, type_: str, parents: t.Any) -> bool:
        return not (type_ == "table" and name in skip)

    context = MigrationContext.configure(
        actual,
        opts={
            "compare_type": True,
            "compare_server_default": True,
            "include_name": include_name,
            "version_table": "alembic_version",
        },
    )
    return [
        f"compare_metadata: {diff!r}" for diff in compare_metadata(context, metadata)
    ]


#: Server defaults that give another value at each insert: the rows a
#: replay inserts and those the snapshot holds differ in them by nature.
_VOLATILE = re.compile(
    r"now|current_|localtime|sysdate|random|uuid|clock_|statement_|transaction_",
    re.I,
)


def _row_differences(
    expected: sa.Connection,
    actual: sa.Connection,
    schema: str | None,
    skip: t.Sequence[str],
) -> list[str]:
    """The tables whose rows differ, seed data and version rows alike, in
    every column but those whose server default is a time, a random number
    or a UUID.
    """
    lines = []

    for name in sorted(sa.inspect(expected).get_table_names(schema=schema)):
        if name in skip:
            continue

        table = sa.Table(name, sa.MetaData(), schema=schema, autoload_with=expected)
        columns = [
            c
            for c in table.c
            if c.server_default is None
            or not _VOLATILE.search(str(getattr(c.server_default, "arg", "")))
        ]
        query = sa.select(*columns).order_by(*columns)
        want = [tuple(r) for r in expected.execute(query)]

        try:
            have = [tuple(r) for r in actual.execute(query)]
        except sa.exc.DBAPIError:
            actual.rollback()
            continue  # Missing in the loaded database: the catalog says so.

        if want != have:
            missing = sum(1 for row in want if row not in have)
            extra = sum(1 for row in have if row not in want)
            lines.append(
                f"table {name!r}: {missing} row(s) of the replayed database are"
                f" not in the loaded one, which has {extra} other(s)"
            )

    return lines
