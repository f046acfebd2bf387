"""Comparing the models' metadata with the databases, as autogenerate
does.
"""

from __future__ import annotations

import typing as t

from ._connections import reading

if t.TYPE_CHECKING:
    from alembic.operations import MigrationScript

    from ._connections import Connections


def produce_migrations(
    connections: Connections, names: t.Sequence[str]
) -> MigrationScript:
    """The migration script a new revision would be rendered from; with
    several databases, one entry per database in ``upgrade_ops_list``, each
    with the tokens the ``multidb`` template reads (``<name>_upgrades``,
    ``<name>_downgrades``).
    """
    # Imports Alembic's autogenerate, which reading revisions never needs.
    from alembic.autogenerate import produce_migrations

    scripts = []

    for context in connections.contexts(names).values():
        with reading(context):
            script = produce_migrations(context, context.opts["target_metadata"])

        # Alembic names its ops after the defaults; the context knows the
        # tokens this database's functions are rendered under.
        assert script.upgrade_ops is not None and script.downgrade_ops is not None
        script.upgrade_ops.upgrade_token = context.opts["upgrade_token"]
        script.downgrade_ops.downgrade_token = context.opts["downgrade_token"]
        scripts.append(script)

    script = scripts[0]

    if len(scripts) > 1:
        script.upgrade_ops = [s.upgrade_ops for s in scripts]  # type: ignore[misc]
        script.downgrade_ops = [s.downgrade_ops for s in scripts]  # type: ignore[misc]

    return script


def diffs_by_database(
    connections: Connections, names: t.Sequence[str]
) -> dict[str, list[t.Any]]:
    """The differences between the metadata and each named database."""
    script = produce_migrations(connections, names)
    return {
        name: ops.as_diffs()
        for name, ops in zip(names, script.upgrade_ops_list, strict=True)
    }
