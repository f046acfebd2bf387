"""Worker processes for a fan-out: most of a tenant's time is Python's
own (Alembic's and SQLAlchemy's work, and on SQLite all of it), which
threads would run one at a time, even where the server does the rest.

The processes are forked before any worker thread starts, each with a copy
of what runs a tenant, so nothing but tenant names and results crosses
between them. There is one per CPU at most, each running a few tenants
at once on threads of its own, as many in all as there are workers (a
semaphore they share holds them to it). A worker thread of the parent
hands a process a batch of tenants at a time: a hand-off costs the parent
about as much as a small tenant's whole work, so handing them over one by
one would keep one of the cores busy with hand-offs. The processes share
an event that stops them starting another tenant: set on a failure with
``stop_on_error``, when a canary fails, or on Ctrl-C.
"""

from __future__ import annotations

import contextvars
import multiprocessing
import os
import signal
import sys
import threading
import typing as t
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

if t.TYPE_CHECKING:
    from multiprocessing.synchronize import Event
    from multiprocessing.synchronize import Semaphore

    from ._tenant_report import TenantResult

#: Runs one tenant: its name, whether it exists, and its revision ids if
#: they were read.
RunTenant: t.TypeAlias = "t.Callable[[str, bool, tuple[str, ...] | None], TenantResult]"

#: One tenant of a batch: the arguments of a :data:`RunTenant`.
Item: t.TypeAlias = "tuple[str, bool, tuple[str, ...] | None]"

#: Whether this Python's pools fork their processes as they are needed.
_LAZY_POOL = sys.version_info < (3, 10, 5)

#: At most this many tenants in a batch for each of a process's threads:
#: the results of a batch come back together, and the progress with them.
MAX_BATCH = 8


@dataclass(frozen=True)
class _Inherited:
    """What the processes run, set in the parent just before they are
    forked; see :func:`start`.
    """

    run: RunTenant
    forget: t.Callable[[], None]
    stop: Event
    stop_on_error: bool
    threads: int
    #: Held by each tenant under way, ``workers`` in all.
    slots: Semaphore


_inherited: _Inherited | None = None
_starting = threading.Lock()

#: In a worker process with several threads: their pool, made on first use.
_threads: ThreadPoolExecutor | None = None


class Processes:
    """Forked worker processes, one per CPU at most, each running tenants
    in batches on a few threads of its own, so that as many tenants run at
    once as there are workers.
    """

    def __init__(
        self, pool: ProcessPoolExecutor, stop: Event, count: int, threads: int
    ) -> None:
        self.pool = pool
        #: Set, the processes start no other tenant.
        self.stop = stop
        #: How many processes there are.
        self.count = count
        #: How many tenants each runs at once.
        self.threads = threads

    def batches(self, names: list[str]) -> list[list[str]]:
        """``names`` cut into batches for the processes, see :func:`batches`."""
        return batches(names, self.count, self.threads)

    def run(self, batch: list[Item]) -> list[TenantResult]:
        """Run a batch of tenants in one of the processes: the result of
        each tenant it started, in order; it starts none once :attr:`stop`
        is set.
        """
        return self.pool.submit(_run_batch, batch).result()

    def shutdown(self) -> None:
        """Wait for the processes to finish their batch and exit."""
        self.pool.shutdown()


def batches(names: list[str], processes: int, threads: int) -> list[list[str]]:
    """``names`` cut into batches for ``processes`` processes of ``threads``
    threads each, in order: about eight for each of the workers, at most
    :data:`MAX_BATCH` tenants for each thread of a process.
    """
    workers = processes * threads
    size = max(1, min(MAX_BATCH, len(names) // (workers * 8))) * threads
    return [names[i : i + size] for i in range(0, len(names), size)]


def start(
    workers: int,
    run: RunTenant,
    forget: t.Callable[[], None],
    *,
    stop_on_error: bool,
) -> Processes | None:
    """Fork processes that run ``workers`` tenants at a time with ``run``:
    one per CPU at most (more would contend for the CPUs and the server's
    share of them), with the workers shared out as threads among them.
    Each calls ``forget`` first (to drop what it must not share with the
    parent, such as pooled connections). ``None`` where the platform
    cannot fork (or Python is older than 3.10.5), and threads run the
    tenants instead. Every process is forked here, from the calling
    thread, before any worker thread starts.

    :param stop_on_error: Whether a failed tenant stops the processes
        starting any other.
    """
    # Before 3.10.5, a fork pool made its processes on demand, from the
    # worker threads, after what they run is set here.
    if "fork" not in multiprocessing.get_all_start_methods() or _LAZY_POOL:
        return None

    global _inherited
    count = min(workers, os.cpu_count() or 1)
    threads = -(-workers // count)
    context = multiprocessing.get_context("fork")
    stop = context.Event()
    slots = context.BoundedSemaphore(workers)

    with _starting:  # Fan-outs in other threads set their own.
        _inherited = _Inherited(run, forget, stop, stop_on_error, threads, slots)
        pool = ProcessPoolExecutor(count, mp_context=context, initializer=_forget)

        try:
            pool.submit(_forget).result()  # Forks them all, from here alone.
        except BaseException:
            pool.shutdown()
            raise
        finally:
            _inherited = None

    return Processes(pool, stop, count, threads)


def _forget() -> None:
    # Ctrl-C reaches every process of the terminal's group: an idle worker
    # ignores it (the parent stops the run), a busy one stops its tenants
    # as a command on one database would (see _run_batch).
    signal.signal(signal.SIGINT, signal.SIG_IGN)

    if _inherited is not None:
        _inherited.forget()


def _run_batch(batch: list[Item]) -> list[TenantResult]:
    global _threads
    assert _inherited is not None
    inherited = _inherited

    def one(item: Item) -> TenantResult | None:
        with inherited.slots:
            if inherited.stop.is_set():
                return None

            result = inherited.run(*item)

        if result.outcome == "failed" and inherited.stop_on_error:
            inherited.stop.set()

        return result

    signal.signal(signal.SIGINT, signal.default_int_handler)

    try:
        if inherited.threads == 1:
            found = [one(item) for item in batch]
        else:
            if _threads is None:
                _threads = ThreadPoolExecutor(max_workers=inherited.threads)

            # Each thread sees the context variables of this process's own
            # (the command being run), as the parent's threads do.
            run = [
                _threads.submit(contextvars.copy_context().run, one, i) for i in batch
            ]
            found = [future.result() for future in run]
    except BaseException:
        inherited.stop.set()  # This process's other threads start none.
        raise
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)

    return [result for result in found if result is not None]
