"""``lint``: which revisions to lint for each database, and for which
dialect; the linting itself is in ``lint``.
"""

from __future__ import annotations

import typing as t

from ..history import applied_revisions
from ..lint import lint_revisions
from ._reading import rows_by_database

if t.TYPE_CHECKING:
    from ..history import History
    from ..lint import LintOptions
    from ..lint import LintReport
    from ..settings import Target
    from ._connections import Connections


def lint(
    history: History,
    connections: Connections,
    names: t.Sequence[str],
    since: str | None = None,
    every: bool = False,
    *,
    options: LintOptions | None = None,
) -> dict[str, LintReport]:
    """Lint, for each named database's dialect, the revisions it has not
    applied (reading its version table); with ``since``, those after that
    revision; with ``every``, all of them. The last two need no database.
    """
    graph = history.graph

    if every:
        chosen: dict[str, set[str]] = {n: set(graph.revisions) for n in names}
    elif since is not None:
        (found,) = history.show([since])
        after = graph.reach([found.revision], lambda r: r.nextrev)
        chosen = {n: after - {found.revision} for n in names}
    else:
        rows = rows_by_database(connections, names)
        everything = set(graph.revisions)
        chosen = {n: everything - applied_revisions(graph, rows[n]) for n in names}

    return {
        name: lint_revisions(
            history,
            [r for rev, r in graph.revisions.items() if rev in chosen[name]],
            dialect_of(connections.targets[name]),
            options=options,
        )
        for name in names
    }


def dialect_of(target: Target) -> str:
    """The linter's name for a database's dialect: MariaDB apart from
    MySQL.
    """
    dialect = target.engine.dialect

    if dialect.name == "mysql" and getattr(dialect, "is_mariadb", False):
        return "mariadb"

    return dialect.name
