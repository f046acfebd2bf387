"""The ledger: a table beside the version table that records each revision
applied to a database, with checksums of what its ``upgrade()`` and
``downgrade()`` were then, so that a revision edited (or deleted) after it
ran is noticed. Alembic keeps only the ids of the heads.

One row per event, never updated: a revision upgraded, downgraded,
adopted (found applied when the ledger was first used, or applied without
a row, as by ``stamp``) or rehashed (an edit accepted with a reason). A
revision's state is its newest row.
"""

from __future__ import annotations

import datetime as dt
import functools
import socket
import typing as t
import weakref
from contextlib import contextmanager
from dataclasses import dataclass

import sqlalchemy as sa

from .._alembic import transactional_ddl
from .._errors import ConfigurationError
from ..history import applied_revisions
from ..history import CHECKSUM_ALGORITHM

if t.TYPE_CHECKING:
    from alembic.runtime.migration import MigrationContext
    from alembic.runtime.migration import MigrationInfo

    from ..history import History

#: The ledger table's layout; a table holding rows of a newer layout is
#: refused rather than misread.
LAYOUT = 1


def ledger_table(name: str, schema: str | None) -> sa.Table:
    """The ledger table, in the version table's schema. Its index is named
    after the table alone, so that it is the same in every tenant's schema.
    """
    return sa.Table(
        name,
        sa.MetaData(),
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("revision", sa.String(64), nullable=False),
        sa.Column("direction", sa.String(16), nullable=False),
        sa.Column("upgrade_checksum", sa.String(64)),
        sa.Column("downgrade_checksum", sa.String(64)),
        sa.Column("checksum_version", sa.Integer, nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True)),
        sa.Column("finished_at", sa.DateTime(timezone=True)),
        sa.Column("duration_ms", sa.Integer),
        sa.Column("tool_version", sa.String(32)),
        sa.Column("host", sa.String(255)),
        sa.Column("outcome", sa.String(16), nullable=False),
        sa.Column("reason", sa.Text),
        sa.Column("layout", sa.Integer, nullable=False),
        sa.Index(f"ix_{name}_revision", "revision"),
        schema=schema,
    )


@dataclass(frozen=True)
class Entry:
    """A revision's newest row in a ledger."""

    revision: str
    direction: str
    upgrade_checksum: str | None
    downgrade_checksum: str | None
    checksum_version: int

    @property
    def applied(self) -> bool:
        """Whether the revision stands applied by this row."""
        return self.direction in ("upgrade", "adopt", "rehash")


def read_entries(connection: sa.Connection, table: sa.Table) -> dict[str, Entry] | None:
    """Each revision's newest row; ``None`` when the table does not exist.

    :raises ConfigurationError: If the table holds rows of a newer layout.
    """
    if not sa.inspect(connection).has_table(table.name, schema=table.schema):
        return None

    c = table.c
    newest = connection.execute(sa.select(sa.func.max(c.layout))).scalar()

    if newest is not None and newest > LAYOUT:
        raise ConfigurationError(
            f"The ledger table {table.name!r} holds rows of layout {newest},"
            f" written by a newer alembic-envkit (this one writes layout"
            f" {LAYOUT}). Upgrade alembic-envkit to use it."
        )

    last = sa.select(sa.func.max(c.id)).group_by(c.revision).scalar_subquery()
    query = sa.select(
        c.revision,
        c.direction,
        c.upgrade_checksum,
        c.downgrade_checksum,
        c.checksum_version,
    ).where(c.id.in_(last))
    return {row.revision: Entry(*row) for row in connection.execute(query)}


class Recorder:
    """Writes a database's ledger rows during a run, in the transaction
    that writes the revision's version rows, or into the script of an
    offline run.

    Alembic calls :func:`version_applied` (the ``on_version_apply`` option
    :func:`with_ledger_hook` adds) after each revision's version rows are
    written, in the revision's transaction (and savepoint). Where one
    transaction holds the whole run, the rows wait and are written together
    before it commits (:meth:`flush`): a statement per revision, after DDL
    that changed the schema, costs far more than one for all.

    :param context: The database's migration context.
    :param name: The ledger table's name.
    :param history: The revisions, their files and their checksums.
    """

    def __init__(self, context: MigrationContext, name: str, history: History) -> None:
        self.context = context
        self.table = ledger_table(name, context.version_table_schema)
        self.graph = history.graph
        self.checksums = history.checksums
        self._statement = self.table.insert()
        self.host = socket.gethostname()[:255]
        self.started: dt.datetime | None = None
        self.batch = (
            not context.as_sql
            and transactional_ddl(context)
            and not context.opts.get("transaction_per_migration")
        )
        self._pending: list[dict[str, t.Any]] = []
        self._transaction: sa.Transaction | None = None

    @property
    def connection(self) -> sa.Connection:
        return t.cast(sa.Connection, self.context.connection)

    def prepare(self, heads: str | t.Sequence[str]) -> None:
        """Create the table where it does not exist, and record as adopted
        every revision the database has applied (by ``heads``, its version
        table's rows) that has no row yet: the database adopts the ledger on
        its first run with it. An offline script creates the table when it
        starts from an empty database, and takes it to exist otherwise.
        """
        rows = [heads] if isinstance(heads, str) else list(heads)

        if self.context.as_sql:
            if not rows:
                self.context.impl.create_table(self.table)

            return

        applied = applied_revisions(self.graph, rows)
        entries = read_entries(self.connection, self.table)

        if entries is None:
            self.table.create(self.connection)
            entries = {}

        now = _now()
        adopted = [
            self._values(rev, "adopt", "adopted", now, now)
            for rev in sorted(applied)
            if rev not in entries or not entries[rev].applied
        ]

        if adopted:
            self.connection.execute(self._statement, adopted)

    def start(self) -> None:
        """Note that a revision starts now."""
        self.started = _now()

    def applied(self, info: MigrationInfo) -> None:
        """Record a revision upgraded or downgraded, as Alembic tells after
        writing its version rows; stamps are not recorded.
        """
        rev = info.up_revision_id

        if info.is_stamp or rev is None:
            return

        now = _now()
        direction = "upgrade" if info.is_upgrade else "downgrade"
        values = self._values(rev, direction, "applied", self.started or now, now)
        self.started = None

        if not self.batch:
            self._write(values)
            return

        transaction = self.connection.get_transaction()

        if transaction is not self._transaction:
            # A revision's autocommit block ended the run's transaction,
            # committing the revisions before it: their rows now.
            self.flush()
            self._transaction = transaction

        self._pending.append(values)

    def flush(self) -> None:
        """Write the rows waiting for the run's transaction to commit."""
        if self._pending:
            self.connection.execute(self._statement, self._pending)
            self._pending = []

    def rehash(self, rev: str, reason: str) -> None:
        """Record today's checksums of a revision as accepted, with why."""
        now = _now()
        self._write(self._values(rev, "rehash", "rehashed", now, now, reason=reason))

    def _values(
        self,
        rev: str,
        direction: str,
        outcome: str,
        started: dt.datetime,
        finished: dt.datetime,
        *,
        reason: str | None = None,
    ) -> dict[str, t.Any]:
        revision = self.graph.revisions.get(rev)
        sums = (None, None) if revision is None else self.checksums.get(revision.path)
        values: dict[str, t.Any] = {
            "revision": rev,
            "direction": direction,
            "upgrade_checksum": sums[0],
            "downgrade_checksum": sums[1],
            "checksum_version": CHECKSUM_ALGORITHM,
            "tool_version": _tool_version(),
            "outcome": outcome,
            "reason": reason,
            "layout": LAYOUT,
        }

        if self.context.as_sql:
            # An offline script is run later, elsewhere: the time it runs.
            now = sa.func.current_timestamp()
            values["started_at"] = values["finished_at"] = now
            return values

        values["started_at"], values["finished_at"] = started, finished
        values["duration_ms"] = int((finished - started).total_seconds() * 1000)
        values["host"] = self.host
        return values

    def _write(self, values: dict[str, t.Any]) -> None:
        if self.context.as_sql:
            self.context.execute(self.table.insert().values(**values))
        else:
            # One statement for every row, compiled once.
            self.connection.execute(self._statement, values)


def snapshot_rows(
    history: History,
    revisions: t.Iterable[str],
    name: str,
    schema: str | None,
    target: t.Any,
) -> str:
    """The ledger's rows in a snapshot: one per revision the snapshot
    stands on, as applied by it, with the checksums of its file, and
    nothing that differs from one build to the next (no time, host or
    duration). As INSERT statements for the database's dialect.
    """
    table = ledger_table(name, schema)
    dialect = target.engine.dialect
    lines = []

    for rev in sorted(applied_revisions(history.graph, revisions)):
        up, down = history.checksums.get(history.graph.revisions[rev].path)
        statement = table.insert().values(
            revision=rev,
            direction="upgrade",
            upgrade_checksum=up,
            downgrade_checksum=down,
            checksum_version=CHECKSUM_ALGORITHM,
            outcome="snapshot",
            layout=LAYOUT,
        )
        compiled = statement.compile(
            dialect=dialect, compile_kwargs={"literal_binds": True}
        )
        lines.append(f"{compiled};")

    return "\n".join(lines) + "\n"


#: The recorder of each migration context running, for version_applied.
_RECORDERS: weakref.WeakKeyDictionary[MigrationContext, Recorder] = (
    weakref.WeakKeyDictionary()
)


def with_ledger_hook(opts: dict[str, t.Any]) -> dict[str, t.Any]:
    """Migration context options with :func:`version_applied` added to
    Alembic's ``on_version_apply`` callbacks, after any of the settings'.
    """
    hooks = tuple(opts.get("on_version_apply") or ())
    return {**opts, "on_version_apply": (*hooks, version_applied)}


def version_applied(*, ctx: MigrationContext, step: MigrationInfo, **kw: t.Any) -> None:
    """The ``on_version_apply`` callback: hands the revision to the
    context's recorder, where a run records one.
    """
    recorder = _RECORDERS.get(ctx)

    if recorder is not None:
        recorder.applied(step)


@contextmanager
def recording(context: MigrationContext, recorder: Recorder | None) -> t.Iterator[None]:
    """Make ``recorder`` the context's recorder while a run runs."""
    if recorder is None:
        yield
        return

    _RECORDERS[context] = recorder

    try:
        yield
    finally:
        _RECORDERS.pop(context, None)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


@functools.cache
def _tool_version() -> str:
    from importlib.metadata import version

    try:
        return f"alembic-envkit {version('alembic-envkit')}"[:32]
    except Exception:  # noqa: BLE001 (a source checkout has no metadata)
        return "alembic-envkit"
