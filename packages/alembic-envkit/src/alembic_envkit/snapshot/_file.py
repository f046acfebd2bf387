"""Snapshot files: one per database and revision set, in the snapshot
folder, named ``<revisions>.<database>.sql``. A header of SQL comments says
what the file stands for; the body is the SQL that rebuilds the database.

::

    -- alembic-envkit snapshot 1
    -- database: default
    -- dialect: postgresql
    -- revisions: 20261206_120000_3f2a
    -- history: 9c1d...
    -- schema: public
    -- Loaded by `upgrade` into an empty database; rebuilt by `snapshot`.

The history hash covers, for every revision the snapshot's revisions
stand on, its id, parents, dependencies and the checksum of its
``upgrade()``: reformatting a file or editing a downgrade leaves it
unchanged, any change to what the revisions build does not.

PostgreSQL snapshots also say which schema their statements name (the
scratch database's, where the history was replayed), so that a tenant's
copy can name its own (see ``_rehome.py``). Files written before that line
was added are read all the same, without it.
"""

from __future__ import annotations

import hashlib
import os
import re
import typing as t
from dataclasses import dataclass

from .._errors import ConfigurationError
from ..history import applied_revisions
from ..history import Finding

if t.TYPE_CHECKING:
    from ..history import History
    from ..history import RevisionGraph

#: The file format's version, in the first line.
FORMAT = 1

_FIRST = f"-- alembic-envkit snapshot {FORMAT}"
_FIELD = re.compile(r"-- (database|dialect|revisions|history|schema): (.*)")
#: The fields every header has.
_REQUIRED = frozenset({"database", "dialect", "revisions", "history"})
_SUFFIX = ".sql"


@dataclass(frozen=True)
class Snapshot:
    """A snapshot file, as its header describes it."""

    #: The file.
    path: str
    #: The database it is for.
    database: str
    #: The dialect it was built on.
    dialect: str
    #: The revisions it stands for (the version table's rows in it).
    revisions: tuple[str, ...]
    #: The hash of the history it was built from.
    history: str
    #: PostgreSQL: the schema its statements name; ``None`` on the other
    #: dialects, and in files written before it was recorded.
    schema: str | None = None

    def read_body(self) -> str:
        """The SQL after the header."""
        with open(self.path, encoding="utf-8") as f:
            text = f.read()

        return text.split("\n\n", 1)[1] if "\n\n" in text else ""


def history_hash(history: History, revisions: t.Iterable[str]) -> str:
    """The hash of the revisions ``revisions`` stand on (see the module's
    docstring), as a hexadecimal SHA-256 digest.
    """
    graph = history.graph
    digest = hashlib.sha256()

    for rev in sorted(applied_revisions(graph, revisions)):
        revision = graph.revisions[rev]
        upgrade, _ = history.checksums.get(revision.path)
        parents = " ".join(sorted(_ids(revision.down_revision)))
        depends = " ".join(sorted(_ids(revision.dependencies)))
        digest.update(f"{rev}|{parents}|{depends}|{upgrade}\n".encode())

    return digest.hexdigest()


def file_name(revisions: t.Sequence[str], database: str) -> str:
    """The snapshot file's name for ``revisions`` of ``database``."""
    return f"{'+'.join(sorted(revisions))}.{database}{_SUFFIX}"


def render(snapshot: Snapshot, body: str) -> str:
    """A snapshot file's text: the header, a blank line, the body."""
    header = [
        _FIRST,
        f"-- database: {snapshot.database}",
        f"-- dialect: {snapshot.dialect}",
        f"-- revisions: {' '.join(snapshot.revisions)}",
        f"-- history: {snapshot.history}",
        *([f"-- schema: {snapshot.schema}"] if snapshot.schema is not None else []),
        "-- Loaded by `upgrade` into an empty database; rebuilt by `snapshot`.",
    ]
    return "\n".join(header) + "\n\n" + body.strip("\n") + "\n"


def read_header(path: str) -> Snapshot:
    """The header of the snapshot file at ``path``.

    :raises ConfigurationError: If the file is no snapshot of this format.
    """
    fields: dict[str, str] = {}

    with open(path, encoding="utf-8") as f:
        first = f.readline().rstrip("\n")

        for line in f:
            match = _FIELD.fullmatch(line.rstrip("\n"))

            if match is None:
                break

            fields[match[1]] = match[2].strip()

    if first != _FIRST or not _REQUIRED <= fields.keys():
        raise ConfigurationError(
            f"{path!r} is no alembic-envkit snapshot of format {FORMAT}: move it"
            " out of the snapshot folder, or rebuild it with 'snapshot'."
        )

    return Snapshot(
        path,
        fields["database"],
        fields["dialect"],
        tuple(fields["revisions"].split()),
        fields["history"],
        fields.get("schema"),
    )


def snapshots(folder: str, database: str) -> list[Snapshot]:
    """The snapshot files of ``database`` in ``folder``, by file name."""
    suffix = f".{database}{_SUFFIX}"

    try:
        names = sorted(n for n in os.listdir(folder) if n.endswith(suffix))
    except FileNotFoundError:
        return []

    return [read_header(os.path.join(folder, name)) for name in names]


def newest_within(
    graph: RevisionGraph, found: t.Iterable[Snapshot], within: t.Collection[str]
) -> Snapshot | None:
    """The snapshot standing on the most revisions, all of them in
    ``within`` (the revisions an upgrade to its target applies); ``None``
    when there is none. Snapshots naming unknown revisions are passed over.
    """
    best: tuple[int, str, Snapshot] | None = None

    for snapshot in found:
        if not all(rev in graph for rev in snapshot.revisions):
            continue

        stands_on = applied_revisions(graph, snapshot.revisions)

        if stands_on and stands_on <= set(within):
            key = (len(stands_on), snapshot.path, snapshot)

            if best is None or key[:2] > best[:2]:
                best = key

    return None if best is None else best[2]


def _ids(value: str | t.Sequence[str] | None) -> tuple[str, ...]:
    if not value:
        return ()

    return (value,) if isinstance(value, str) else tuple(value)


def stale_findings(history: History, folder: str) -> list[Finding]:
    """A ``stale-snapshot`` finding for each snapshot file in ``folder``
    whose revisions are unknown or whose history has changed since it was
    written, and an ``unreadable`` one for a file that is no snapshot.
    """
    try:
        names = sorted(n for n in os.listdir(folder) if n.endswith(_SUFFIX))
    except FileNotFoundError:
        return []

    graph = history.graph
    found = []

    for name in names:
        path = os.path.join(folder, name)

        try:
            snapshot = read_header(path)
        except (ConfigurationError, OSError, UnicodeDecodeError) as e:
            found.append(Finding("unreadable", "error", (path,), str(e), "Rebuild it."))
            continue

        unknown = [r for r in snapshot.revisions if r not in graph]

        if unknown:
            what = f"stands on revision {unknown[0]}, which is not in the history."
        elif history_hash(history, snapshot.revisions) != snapshot.history:
            what = "was built from another history: a revision it stands on changed."
        else:
            continue

        found.append(
            Finding(
                "stale-snapshot",
                "error",
                (path,),
                f"The snapshot of database {snapshot.database!r} {what}",
                "Rebuild it with 'snapshot', or delete it.",
            )
        )

    return found
