"""Worker processes for a fan-out: most of a tenant's time is Python's
own (Alembic's and SQLAlchemy's work, and on SQLite all of it), which
threads would run one at a time, even where the server does the rest.

The processes are forked before any worker thread starts, each with a copy
of what runs a tenant, so nothing but tenant names and results crosses
between them. A worker thread of the parent hands a process a batch of
tenants at a time: a hand-off costs the parent about as much as a small
tenant's whole work, so handing them over one by one would keep one of
the cores busy with hand-offs. The processes share an event that stops
them starting another tenant: set on a failure with ``stop_on_error``, or
when a canary fails.
"""

from __future__ import annotations

import multiprocessing
import typing as t
from concurrent.futures import ProcessPoolExecutor

if t.TYPE_CHECKING:
    from multiprocessing.synchronize import Event

    from ._tenant_report import TenantResult

#: Runs one tenant: its name, whether it exists, and its revision ids if
#: they were read.
RunTenant: t.TypeAlias = "t.Callable[[str, bool, tuple[str, ...] | None], TenantResult]"

#: One tenant of a batch: the arguments of a :data:`RunTenant`.
Item: t.TypeAlias = "tuple[str, bool, tuple[str, ...] | None]"

#: At most this many tenants in a batch: the results of a batch come back
#: together, and the progress with them.
MAX_BATCH = 8

#: What the processes run, set in the parent just before they are forked;
#: see :func:`start`.
_inherited: tuple[RunTenant, t.Callable[[], None], Event, bool] | None = None


class Processes:
    """Forked worker processes that run tenants in batches."""

    def __init__(self, pool: ProcessPoolExecutor, stop: Event) -> None:
        self.pool = pool
        #: Set, the processes start no other tenant.
        self.stop = stop

    def run(self, batch: list[Item]) -> list[TenantResult]:
        """Run a batch of tenants in one of the processes: the result of
        each tenant it started, in order; it starts none once :attr:`stop`
        is set.
        """
        return self.pool.submit(_run_batch, batch).result()

    def shutdown(self) -> None:
        """Wait for the processes to finish their batch and exit."""
        self.pool.shutdown()


def start(
    workers: int,
    run: RunTenant,
    forget: t.Callable[[], None],
    *,
    stop_on_error: bool,
) -> Processes | None:
    """Fork ``workers`` processes that run tenants with ``run``, each
    calling ``forget`` first (to drop what it must not share with the
    parent, such as pooled connections); ``None`` where the platform
    cannot fork, and threads run the tenants instead. Every process is
    forked here, from the calling thread, before any worker thread starts.

    :param stop_on_error: Whether a failed tenant stops the processes
        starting any other.
    """
    if "fork" not in multiprocessing.get_all_start_methods():
        return None

    global _inherited
    context = multiprocessing.get_context("fork")
    stop = context.Event()
    _inherited = (run, forget, stop, stop_on_error)
    pool = ProcessPoolExecutor(workers, mp_context=context, initializer=_forget)

    try:
        pool.submit(_forget).result()  # Forks them all, from this thread alone.
    except BaseException:
        pool.shutdown()
        raise
    finally:
        _inherited = None

    return Processes(pool, stop)


def batches(names: list[str], workers: int) -> list[list[str]]:
    """``names`` cut into batches, in order: about eight for each worker,
    so that the workers finish close together, and at most
    :data:`MAX_BATCH` tenants each.
    """
    size = max(1, min(MAX_BATCH, len(names) // (workers * 8)))
    return [names[i : i + size] for i in range(0, len(names), size)]


def _forget() -> None:
    if _inherited is not None:
        _inherited[1]()


def _run_batch(batch: list[Item]) -> list[TenantResult]:
    assert _inherited is not None
    run, _, stop, stop_on_error = _inherited
    results = []

    for name, exists, before in batch:
        if stop.is_set():
            break

        result = run(name, exists, before)
        results.append(result)

        if result.outcome == "failed" and stop_on_error:
            stop.set()

    return results
