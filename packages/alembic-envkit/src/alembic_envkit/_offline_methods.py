"""The offline SQL methods of :class:`.Environment`; the work is done in
``_offline``, imported when first used.
"""

from __future__ import annotations

import typing as t

from ._revision_files import RevisionFiles
from ._revision_files import saves_cache
from ._revisions import RevisionArg
from ._revisions import TargetArg

if t.TYPE_CHECKING:
    pass


_T = t.TypeVar("_T")


class OfflineMethods(RevisionFiles):
    """Offline SQL scripts: what a migration would run, as text."""

    @saves_cache
    def upgrade_sql(
        self,
        target: TargetArg = "heads",
        *,
        start: RevisionArg | None = None,
        tag: str | None = None,
    ) -> dict[str, str]:
        """The SQL an upgrade would run, as a script for each database,
        without connecting to any: only each engine's URL is used, to know
        the dialect. Revision files can tell with
        ``context.is_offline_mode()``.

        :param target: Revision to go up to, or a number of steps. A
            ``"FROM:TO"`` string gives ``start`` too, as Alembic's
            ``upgrade --sql`` takes it.
        :param start: Revision the databases are taken to be at. By default
            an empty database, and the script creates the version table.
        :param tag: Readable in revision files as
            ``context.get_tag_argument()``.
        :return: The script of each selected database, by name.

        .. versionadded:: 4.0
        """
        from ._offline import upgrade_sql

        return upgrade_sql(self, target, start, tag)

    @saves_cache
    def downgrade_sql(
        self,
        target: TargetArg,
        *,
        start: RevisionArg | None = None,
        tag: str | None = None,
    ) -> dict[str, str]:
        """The SQL a downgrade would run, as a script for each database,
        without connecting to any. The revision the databases are at must be
        given, as ``start`` or in a ``"FROM:TO"`` target such as
        ``"head:base"``.

        :param target: Revision to go down to, or a number of steps down.
        :param start: Revision the databases are taken to be at.
        :param tag: Readable in revision files as
            ``context.get_tag_argument()``.
        :return: The script of each selected database, by name.

        .. versionadded:: 4.0
        """
        from ._offline import downgrade_sql

        return downgrade_sql(self, target, start, tag)

    @saves_cache
    def stamp_sql(
        self,
        target: RevisionArg = "heads",
        *,
        start: RevisionArg | None = None,
        tag: str | None = None,
    ) -> dict[str, str]:
        """The SQL that records revisions as current without running them,
        as a script for each database, without connecting to any.

        :param target: Revisions to record. A ``"FROM:TO"`` string gives
            ``start`` too.
        :param start: Revisions the databases are taken to be at. By default
            an empty database, and the script creates the version table.
        :param tag: Readable in revision files as
            ``context.get_tag_argument()``.
        :return: The script of each selected database, by name.

        .. versionadded:: 4.0
        """
        from ._offline import stamp_sql

        return stamp_sql(self, target, start, tag)
