"""The fan-out: one upgrade, downgrade or stamp on many tenants, in a
bounded pool of worker threads, with the database as the only coordinator.

For each tenant: a plain read of its version table says whether there is
anything to do; a tenant with nothing to do is skipped, without its lock or
a migration transaction. Otherwise its migration lock is taken, the version
table read again (another fan-out may have done the work meanwhile), and
only then does the runner run, on a connection pointed at the tenant.
"""

from __future__ import annotations

import contextvars
import threading
import time
import typing as t
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from .._errors import ConfigurationError
from .._errors import EnvkitError
from .._errors import translate_alembic_errors
from ._reading import interrupted_by_database
from ._reading import rows_by_database
from ._tenant_report import TenantProgress
from ._tenant_report import TenantReport
from ._tenant_report import TenantResult
from ._threads import per_thread
from .dialects import acquire

if t.TYPE_CHECKING:
    from ..history import History
    from ._connections import Connections
    from ._tenancy import Tenancy

_A = t.TypeVar("_A")
_T = t.TypeVar("_T")

#: Called as each tenant finishes, or ``None``.
TenantCallback: t.TypeAlias = "t.Callable[[TenantProgress], None] | None"

#: What the fan-out runs: ``upgrade``, ``downgrade`` or ``stamp``.
ACTIONS = ("upgrade", "downgrade", "stamp")


@dataclass(frozen=True)
class Job:
    """One command for every tenant: whether a tenant has anything to do,
    and how to do it.
    """

    action: str
    target: str
    pending: t.Callable[[History, Connections, str, tuple[str, ...]], bool]
    run: t.Callable[[History, Connections, str], None]


def job(history: History, action: str, target: str, *, snapshots: bool | None) -> Job:
    """The :class:`Job` of ``action`` to ``target``, its target checked
    against the history before any tenant is touched.

    :param snapshots: Whether an empty tenant may get a snapshot: ``None``
        as the ``snapshots`` setting says, ``False`` never.
    :raises ConfigurationError: For an unknown action.
    :raises RevisionError: For a target the history does not have.
    """
    from ._online import downgrade
    from ._online import stamp
    from ._online import upgrade
    from ._steps import steps_to

    script = history.script_directory

    if action == "stamp":
        with translate_alembic_errors():
            wanted = {s.revision for s in script.get_revisions(target) if s}

        def differs(
            h: History, c: Connections, name: str, ids: tuple[str, ...]
        ) -> bool:
            # A stamp also clears the mark of a revision left half way.
            return set(ids) != wanted or bool(interrupted_by_database(c, [name]))

        return Job(
            action,
            target,
            differs,
            lambda h, c, name: stamp(h, c, target, purge=False, names=[name]),
        )

    if action not in ACTIONS:
        raise ConfigurationError(f"No tenant command {action!r}; use {ACTIONS}.")

    down = action == "downgrade"
    steps = steps_to(script, target, down=down)

    with translate_alembic_errors():
        # An unknown target stops here, from base up or from the heads down.
        steps(history.graph.heads if down else (), None)  # type: ignore[arg-type]

    def pending(h: History, c: Connections, name: str, ids: tuple[str, ...]) -> bool:
        if target == "heads" and not down:
            return not h.graph.at_heads(ids)  # The graph alone says.

        with translate_alembic_errors():
            return bool(steps(ids, None))  # type: ignore[arg-type]

    def run(h: History, c: Connections, name: str) -> None:
        if down:
            downgrade(h, c, target, names=[name])
        else:
            upgrade(h, c, target, names=[name], snapshots=snapshots)

    return Job(action, target, pending, run)


def fan_out(
    tenancy: Tenancy,
    tenants: t.Sequence[str],
    work: Job,
    *,
    workers: int = 1,
    canary: int = 0,
    stop_on_error: bool = False,
    progress: TenantCallback = None,
) -> TenantReport:
    """Run ``work`` on each tenant, ``workers`` at a time; the first
    ``canary`` tenants first, stopping there if one of them fails; with
    ``stop_on_error``, starting no tenant after a failure. Never raises for
    a tenant's failure: the report says which failed and why.

    :raises ConfigurationError: For fewer than one worker or a negative
        canary count.
    """
    check_counts(workers, canary)
    report = TenantReport(work.action, work.target)
    results = {name: TenantResult(name, "not run") for name in tenants}
    report.results = list(results.values())
    started = time.monotonic()
    tally = _Tally(len(tenants), started, progress)
    stop = threading.Event()

    if workers > 1:
        per_thread()  # Revisions run in several threads at once.

    def one(name: str) -> None:
        if stop.is_set():
            return

        result = run_one(
            tenancy, name, work, exists=name in existing, before=known.get(name)
        )
        results[name].__dict__.update(result.__dict__)

        if result.outcome == "failed" and stop_on_error:
            stop.set()

        tally.finished(result)

    first, rest = list(tenants[:canary]), list(tenants[canary:])
    existing = tenancy.existing(tenants)
    # Where the servers' tenants stand, read together up front: those at
    # the target are skipped without a connection of their own.
    known = tenancy.versions([n for n in tenants if n in existing]) or {}

    with ThreadPoolExecutor(max_workers=workers) as pool:
        each(pool, one, first)

        if any(results[n].outcome == "failed" for n in first):
            stop.set()

        each(pool, one, rest)

    report.seconds = time.monotonic() - started
    return report


def run_one(
    tenancy: Tenancy,
    tenant: str,
    work: Job,
    *,
    exists: bool | None = None,
    before: tuple[str, ...] | None = None,
) -> TenantResult:
    """Run ``work`` on one tenant; its result, failure included. An upgrade
    makes the schema or database of a tenant that has none yet.

    :param exists: Whether the tenant's schema, database or file exists,
        if the caller has looked.
    :param before: Its revision ids, if the caller has read them.
    """
    started = time.monotonic()
    result = TenantResult(tenant, "failed")
    name = tenancy.primary.name
    history = tenancy.history

    try:
        if exists is None:
            exists = tenancy.exists(tenant)

        if not exists and work.action != "upgrade":
            raise ConfigurationError(
                f"Tenant {tenant!r} has no {tenancy.layout.kind} yet; upgrade it"
                f" before a {work.action}."
            )

        connections = tenancy.connections(tenant, lock=False)
        if before is None:
            before = _ids(connections, name) if exists else ()

        result.before = result.after = list(before)

        if not work.pending(history, connections, name, before):
            result.outcome = "skipped"
            return result

        if not exists:
            tenancy.create(tenant)

        lock = _lock(tenancy, connections, tenant) if tenancy.settings.lock else None

        try:
            # Another runner may have done it while this one waited.
            now = _ids(connections, name)

            if not work.pending(history, connections, name, now):
                result.outcome = "already at target"
            else:
                try:
                    work.run(history, connections, name)
                finally:
                    connections.close()

                result.outcome = "migrated"

            result.after = list(_ids(connections, name))
        finally:
            connections.close()

            if lock is not None:
                lock.release()
    except Exception as e:
        result.outcome = "failed"
        result.error = first_line(e)
    finally:
        result.seconds = time.monotonic() - started

    return result


def each(
    pool: ThreadPoolExecutor, fn: t.Callable[[_A], _T], names: t.Iterable[_A]
) -> list[_T]:
    """``fn`` of each name (or other item) in the pool, in order; each call
    sees the context variables of the caller (the command being run), as a
    call in this thread would.
    """
    futures = [pool.submit(contextvars.copy_context().run, fn, n) for n in names]
    return [future.result() for future in futures]


def check_counts(workers: int, canary: int) -> None:
    """:raises ConfigurationError: For fewer than one worker or a negative
    canary count.
    """
    if not isinstance(workers, int) or workers < 1:
        raise ConfigurationError(
            f"The number of workers is {workers!r}; give 1 or more."
        )

    if not isinstance(canary, int) or canary < 0:
        raise ConfigurationError(
            f"The number of canary tenants is {canary!r}; give 0 or more."
        )


def _ids(connections: Connections, name: str) -> tuple[str, ...]:
    return rows_by_database(connections, [name])[name]


def _lock(tenancy: Tenancy, connections: Connections, tenant: str) -> t.Any:
    name = tenancy.primary.name
    opts = connections.settings.context_options_for(name)
    return acquire(
        f"{name} (tenant {tenant})",
        connections.engine(name),
        opts.get("version_table") or "alembic_version",
        opts.get("version_table_schema"),
        tenancy.settings.lock_timeout,
    )


def first_line(error: BaseException) -> str:
    """The error on one line, with its type unless it is written for the
    user already.
    """
    text = str(error).strip()
    line = text.splitlines()[0] if text else ""

    if isinstance(error, EnvkitError) and line:
        return line  # Written for the user already.

    return f"{type(error).__name__}: {line}" if line else type(error).__name__


class _Tally:
    """Counts finished tenants for the progress callback."""

    def __init__(self, total: int, started: float, progress: TenantCallback) -> None:
        self.total = total
        self.started = started
        self.progress = progress
        self.done = self.failed = 0
        self.lock = threading.Lock()

    def finished(self, result: TenantResult) -> None:
        with self.lock:
            self.done += 1
            self.failed += result.outcome == "failed"
            pace = (time.monotonic() - self.started) / self.done
            update = TenantProgress(
                result,
                self.done,
                self.total,
                self.failed,
                pace * (self.total - self.done),
            )

            if self.progress is not None:
                self.progress(update)
