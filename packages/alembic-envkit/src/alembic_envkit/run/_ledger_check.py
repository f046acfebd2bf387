"""What the ledger tells: revisions edited after they were applied, and
applied revisions whose file is gone, found by comparing each database's
ledger with the files; and ``rehash``, which accepts an edit.
"""

from __future__ import annotations

import logging
import typing as t

import sqlalchemy as sa

from .._errors import revision_error
from ..history import applied_revisions
from ..history import CHECKSUM_ALGORITHM
from ..history import Finding
from ..settings import ledger_settings
from ._connections import ending_read
from ._ledger import Entry
from ._ledger import ledger_table
from ._ledger import read_entries
from ._ledger import Recorder
from ._version_table import version_rows

if t.TYPE_CHECKING:
    from ..history import History
    from ._connections import Connections
    from ._tenancy import Tenancy

logger = logging.getLogger("alembic_envkit")


def ledger_findings(
    history: History,
    connections: Connections,
    names: t.Sequence[str],
    *,
    tenant: str | None = None,
) -> list[Finding]:
    """For each named database with a ledger: a finding for each applied
    revision whose file changed what it runs since, or is gone. None when
    the ledger is off.

    :param tenant: The tenant the connections point at, named in each
        finding instead of the database.
    """
    table = ledger_settings(history.settings.options).table

    if table is None:
        return []

    def read(
        connection: sa.Connection, version: str, schema: str | None
    ) -> tuple[tuple[str, ...], dict[str, Entry] | None]:
        with ending_read(connection):
            rows = version_rows(connection, version, schema)
            return rows, read_entries(connection, ledger_table(table, schema))

    graph = history.graph
    findings = []

    for name, (rows, entries) in connections.read_version_tables(read, names).items():
        applied = applied_revisions(graph, rows)
        where = f"database {name!r}" if tenant is None else f"tenant {tenant!r}"

        for rev, entry in sorted((entries or {}).items()):
            if not entry.applied:
                continue

            revision = graph.revisions.get(rev)

            if revision is None:
                findings.append(_gone(rev, where, history))
            elif rev in applied and entry.checksum_version == CHECKSUM_ALGORITHM:
                changed = _changed(entry, history.checksums.get(revision.path))

                if changed:
                    findings.append(_edited(rev, where, revision.path, changed))

    return findings


def _changed(entry: Entry, sums: tuple[str, str]) -> list[str]:
    up, down = sums
    changed = []

    if entry.upgrade_checksum not in (None, up):
        changed.append("upgrade()")

    if entry.downgrade_checksum not in (None, down):
        changed.append("downgrade()")

    return changed


def _edited(rev: str, where: str, path: str, changed: list[str]) -> Finding:
    what = " and ".join(changed)
    # rehash accepts it on every database and tenant that applied it.
    accept = f"if the edit is meant, accept it with 'rehash {rev} --reason ...'."
    return Finding(
        "edited-after-apply",
        "error",
        (path,),
        f"Revision {rev!r} was edited after it was applied to {where}: its"
        f" {what} runs something else now.",
        f"Undo the edit and write a new revision for the change; {accept}",
    )


def _gone(rev: str, where: str, history: History) -> Finding:
    return Finding(
        "applied-file-gone",
        "error",
        (history.settings.script_location,),
        f"Revision {rev!r} is applied to {where}, and no revision file"
        " declares it any more.",
        "Restore its file (from version control), or downgrade the database"
        " below it with the file still there.",
    )


def check_before_upgrade(
    history: History, connections: Connections, names: t.Sequence[str]
) -> None:
    """Warn about what :func:`ledger_findings` finds, or refuse to upgrade
    with the ``ledger_mismatch`` setting at ``"refuse"``.

    :raises RevisionError: Listing the findings, when refusing.
    """
    findings = ledger_findings(history, connections, names)

    if not findings:
        return

    if ledger_settings(history.settings.options).refuse:
        lines = "\n".join(f"  {f}" for f in findings)
        raise revision_error(
            "The applied revisions do not match their files; nothing was run"
            f" (the 'ledger_mismatch' setting is 'refuse'):\n{lines}"
        )

    for finding in findings:
        logger.warning("%s", finding)


def rehash(
    history: History,
    connections: Connections,
    rev: str,
    reason: str,
    names: t.Sequence[str],
) -> list[str]:
    """Accept a revision's files as they are now on every named database
    that has applied it: its new checksums are recorded with the reason.

    :return: The databases where it was recorded; empty where none applied
        it (the caller says so, having looked at its tenants too).
    :raises RevisionError: If the ledger is off, the reason is empty, or the
        revision is unknown.
    """
    table = ledger_settings(history.settings.options).table

    if table is None:
        raise revision_error(
            "The ledger is off: set 'ledger_table' to keep one, then rehash."
        )

    if not reason.strip():
        raise revision_error("Give the reason for accepting the edit (--reason).")

    graph = history.graph

    if rev not in graph:
        raise revision_error(f"{rev!r} is no revision; give a revision id.")

    done = []

    for name, context in connections.contexts(names).items():
        connection = t.cast(sa.Connection, context.connection)
        schema = context.version_table_schema
        rows = version_rows(connection, context.version_table, schema)

        if rev not in applied_revisions(graph, rows):
            continue

        recorder = Recorder(context, table, history)

        # The read above ended its transaction: this one is the rehash's.
        with connection.begin():
            recorder.prepare(rows)
            recorder.rehash(rev, reason)

        done.append(name)

    return done


def rehash_tenants(tenancy: Tenancy, rev: str, reason: str) -> list[str]:
    """:func:`rehash` on each tenant made that has applied ``rev``, in the
    source's order; returns them, named ``"<database> (tenant <name>)"``.
    """
    primary = tenancy.primary.name
    names = tenancy.names()
    made = tenancy.existing(names)
    done = []

    for tenant in (n for n in names if n in made):
        connections = tenancy.connections(tenant)

        try:
            found = rehash(tenancy.history, connections, rev, reason, [primary])
        finally:
            connections.close()
            tenancy.release(tenant)

        if found:
            done.append(f"{primary} (tenant {tenant})")

    return done
