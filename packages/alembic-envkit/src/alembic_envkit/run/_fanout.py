"""The fan-out: one upgrade, downgrade or stamp on many tenants, in a
bounded pool of worker threads (which hand the tenants to forked worker
processes, unless the ``tenant_processes`` setting is off: see
``_processes.py``), with the database as the only coordinator.

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

from .._errors import ConfigurationError
from .._errors import EnvkitError
from ._async import engine_for
from ._async import own_operation
from ._processes import start
from ._reading import rows_by_database
from ._tenant_report import TenantProgress
from ._tenant_report import TenantReport
from ._tenant_report import TenantResult
from ._threads import per_thread
from .dialects import acquire

if t.TYPE_CHECKING:
    from ._connections import Connections
    from ._tenancy import Tenancy
    from ._tenant_job import Job

_A = t.TypeVar("_A")
_T = t.TypeVar("_T")
_P = t.ParamSpec("_P")

#: Called as each tenant finishes, or ``None``.
TenantCallback: t.TypeAlias = "t.Callable[[TenantProgress], None] | None"


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
    report = TenantReport(work.action, work.target, phase=work.phase)
    results = {name: TenantResult(name, "not run") for name in tenants}
    report.results = list(results.values())
    started = time.monotonic()
    tally = _Tally(len(tenants), started, progress)

    first, rest = list(tenants[:canary]), list(tenants[canary:])
    existing = tenancy.existing(tenants)
    # Where the servers' tenants stand, read together up front: those at
    # the target are skipped without a connection of their own.
    known = tenancy.versions([n for n in tenants if n in existing]) or {}

    def run(name: str, exists: bool, before: tuple[str, ...] | None) -> TenantResult:
        return in_worker(
            tenancy, run_one, tenancy, name, work, exists=exists, before=before
        )

    def forget() -> None:
        # In a new worker process: drop the parent's pooled connections,
        # which are not this process's to use.
        tenancy.primary.engine.dispose(close=False)

    processes = None

    if workers > 1:
        # Revisions run in several threads at once: here, or in the
        # processes forked below, which copy this.
        per_thread()

        if tenancy.config.processes:
            processes = start(workers, run, forget, stop_on_error=stop_on_error)

    stop = processes.stop if processes is not None else threading.Event()

    def finished(result: TenantResult) -> None:
        results[result.tenant].__dict__.update(result.__dict__)

        if result.outcome == "failed" and stop_on_error:
            stop.set()

        tally.finished(result)

    def batch(names: list[str]) -> None:
        if stop.is_set():
            return

        items = [(n, n in existing, known.get(n)) for n in names]

        if processes is None:
            for item in items:
                finished(run(*item))
        else:
            for result in processes.run(items):
                finished(result)

    def cut(names: list[str]) -> list[list[str]]:
        # Threads take one tenant at a time; processes a batch.
        return processes.batches(names) if processes else [[n] for n in names]

    # One thread per process hands it batches, or one per worker runs.
    pool = ThreadPoolExecutor(max_workers=processes.count if processes else workers)

    try:
        each(pool, batch, cut(first))

        if any(results[n].outcome == "failed" for n in first):
            stop.set()

        each(pool, batch, cut(rest))
    except BaseException:
        # Interrupted (Ctrl-C): the tenants under way finish, no other
        # starts, here or in the processes.
        stop.set()
        raise
    finally:
        pool.shutdown(cancel_futures=True)

        if processes is not None:
            processes.shutdown()

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
        tenancy.release(tenant)
        result.seconds = time.monotonic() - started

    return result


def in_worker(
    tenancy: Tenancy, fn: t.Callable[_P, _T], /, *args: _P.args, **kwargs: _P.kwargs
) -> _T:
    """``fn`` called in a worker thread: where the primary database's engine
    is async, as an operation of its own on an event loop of the thread.
    """
    if tenancy.is_async:
        return own_operation(fn, *args, **kwargs)

    return fn(*args, **kwargs)


def each_tenant(
    tenancy: Tenancy, items: t.Iterable[_A], fn: t.Callable[[_A], _T], workers: int
) -> list[_T]:
    """``fn`` of each item (a tenant, or what stands for one), ``workers``
    at a time, in order: in this thread for one worker, else in a pool of
    threads, each running it as :func:`in_worker` does.
    """
    items = list(items)

    if workers == 1 or len(items) < 2:
        return [fn(item) for item in items]

    per_thread()  # Migration contexts in several threads at once.

    with ThreadPoolExecutor(max_workers=workers) as pool:
        return each(pool, lambda item: in_worker(tenancy, fn, item), items)


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
    primary = engine_for(tenancy.primary) if tenancy.layout.locks_on_primary else None
    return acquire(
        f"{name} (tenant {tenant})",
        connections.engine(name),
        opts.get("version_table") or "alembic_version",
        opts.get("version_table_schema"),
        tenancy.settings.lock_timeout,
        held_on=primary,
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
