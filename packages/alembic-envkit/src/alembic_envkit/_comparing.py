"""Comparing the models' metadata with the databases, as autogenerate
does.
"""

from __future__ import annotations

import typing as t

from . import _async
from ._alembic_objects import AlembicObjects
from ._connections import reading

if t.TYPE_CHECKING:
    from alembic.operations import MigrationScript


_T = t.TypeVar("_T")


class Comparing(AlembicObjects):
    """The methods of :class:`.Environment` that compare metadata and
    databases.
    """

    @_async.operation
    def produce_migrations(self) -> MigrationScript:
        """The :class:`~alembic.operations.ops.MigrationScript` a new
        revision would be rendered from. With several databases, its
        ``upgrade_ops_list`` has one entry per database, in order.
        """
        from alembic.autogenerate import produce_migrations

        scripts = []

        for context in self._selected(self.migration_contexts).values():
            with reading(context):
                scripts.append(
                    produce_migrations(context, context.opts["target_metadata"])
                )

        script = scripts[0]

        if len(scripts) > 1:
            script.upgrade_ops = [s.upgrade_ops for s in scripts]  # type: ignore[misc]
            script.downgrade_ops = [s.downgrade_ops for s in scripts]  # type: ignore[misc]

        return script

    @_async.operation
    def compare_metadata(self) -> list[t.Any] | dict[str, list[t.Any]]:
        """The differences between the metadata and the databases, as
        Alembic's diff tuples. A list for one database; for several, a dict
        of database name to list.
        """
        diffs = self.diffs_by_database()

        if not self.targets.multidb:
            return diffs[self.targets.primary]

        return diffs

    @_async.operation
    def diffs_by_database(self) -> dict[str, list[t.Any]]:
        """The differences between the metadata and each database, by name."""
        script = self.produce_migrations()
        return {
            name: ops.as_diffs()
            for name, ops in zip(
                self.selected_names, script.upgrade_ops_list, strict=True
            )
        }

    @_async.operation
    def needs_revision(self) -> bool:
        """Whether the metadata differs from any database, as autogenerate
        compares them: the tables, columns, indexes and constraints the
        metadata declares against those the database has now. The revision
        files are not looked at, so a database that is behind (a fresh one
        included) differs until it is upgraded: call :meth:`upgrade` first,
        and :meth:`revision`, which needs every database at its head, only
        then.
        """
        return any(self.diffs_by_database().values())
