"""Async engines: the synchronous machinery, run on asyncio drivers.

An :class:`~sqlalchemy.ext.asyncio.AsyncEngine` wraps a synchronous
:class:`~sqlalchemy.engine.Engine` (``sync_engine``) whose driver awaits each
call. Such an engine works from plain synchronous code as long as that code
runs in a greenlet started by SQLAlchemy's ``greenlet_spawn``, under an event
loop: that is what ``AsyncConnection.run_sync`` does. So every environment
method that talks to a database runs as one *operation*:

- on an event loop of its own, when called synchronously with no loop
  running. Connections come from a copy of each async engine's pool made for
  the operation, since a pooled connection belongs to the loop that opened
  it, and the copies are disposed before the loop closes;
- on the caller's loop, through :meth:`.Environment.run_async` or when
  already inside ``run_sync``, with the engine's own pool.

Connections are kept for the operation only, never in the environment's
scope, so none outlives the loop that opened it and concurrent operations
never share one. Environments without async engines skip all of this.

Nothing here imports asyncio or greenlet until an async engine is used.
"""

from __future__ import annotations

import copy
import functools
import importlib
import typing as t
from contextvars import ContextVar
from dataclasses import dataclass
from dataclasses import field

import sqlalchemy as sa

from .._errors import ConfigurationError
from .._errors import EventLoopError

if t.TYPE_CHECKING:
    from ..settings import Target
    from ..settings import Targets

    class HasTargets(t.Protocol):
        """What an operation runs on: anything with its targets, such as
        :class:`.Environment`.
        """

        @property
        def targets(self) -> Targets: ...


_T = t.TypeVar("_T")
_P = t.ParamSpec("_P")
_F = t.TypeVar("_F", bound=t.Callable[..., t.Any])

_GREENLET_MESSAGE = (
    "Migrating with an async engine needs the 'greenlet' package. Install"
    " 'alembic-envkit[async]' (or 'flask-alembic[async]')."
)


def operation(method: _F) -> _F:
    """Make an environment method one operation when the environment has an
    async engine. Environments without one call the method directly.
    """

    @functools.wraps(method)
    def wrapper(env: HasTargets, /, *args: t.Any, **kwargs: t.Any) -> t.Any:
        if _current.get() is not None or not _has_async(env):
            return method(env, *args, **kwargs)

        return _run_sync(env, method.__name__, method, env, *args, **kwargs)

    return t.cast(_F, wrapper)


async def run_async(
    fn: t.Callable[_P, _T], /, *args: _P.args, **kwargs: _P.kwargs
) -> _T:
    """Run ``fn`` as one operation on the running event loop."""
    greenlet_spawn = _concurrency().greenlet_spawn
    return t.cast(_T, await greenlet_spawn(_within, False, fn, *args, **kwargs))


def own_operation(fn: t.Callable[_P, _T], /, *args: _P.args, **kwargs: _P.kwargs) -> _T:
    """Run ``fn`` as an operation of its own, on a new event loop of this
    thread, apart from any operation of the thread that started this one
    (a worker of a fan-out, whose context is a copy of its caller's): its
    connections come from copies of the async engines' pools, closed when
    it ends.
    """
    import asyncio

    concurrency = _concurrency()
    token = _current.set(None)

    try:
        coroutine = concurrency.greenlet_spawn(_within, True, fn, *args, **kwargs)
        return t.cast(_T, asyncio.run(coroutine))
    finally:
        _current.reset(token)


def scope(default: t.Callable[[], t.MutableMapping[t.Any, t.Any]]) -> t.Any:
    """Where an environment keeps its connections: the running operation's
    dict, else its own scope.
    """
    current = _current.get()
    return default() if current is None else current.bound


def engine_for(target: Target) -> sa.Engine:
    """The engine to connect to ``target`` with in the running operation.

    :raises ConfigurationError: If the target has an async engine and no
        operation is running, so its driver has no event loop.
    """
    if target.async_engine is None:
        return target.engine

    current = _current.get()

    if current is None:
        raise ConfigurationError(
            f"Database {target.name!r} has an async engine, whose connections only"
            " work while an environment method runs. Use Alembic's objects"
            " inside a function given to 'run_migrations', or to"
            " 'await environment.run_async(fn)'."
        )

    if not current.private:
        return target.engine

    result = current.engines.get(target.engine)

    if result is None:
        result = current.engines[target.engine] = _private_engine(target.engine)

    return result


def _has_async(env: HasTargets) -> bool:
    return any(target.async_engine is not None for target in env.targets.values())


class _Closing(t.Protocol):
    """What a scope holds: connections, closed at the end."""

    def close(self) -> None: ...


@dataclass
class _Operation:
    """The connections of one operation. ``private`` when it runs on a loop
    of its own, with a copy of each async engine by original engine.
    """

    private: bool
    bound: dict[t.Any, _Closing] = field(default_factory=dict)
    engines: dict[sa.Engine, sa.Engine] = field(default_factory=dict)

    def close(self) -> None:
        """Close the connections, then the private engines' pools, while the
        event loop still runs.
        """
        try:
            for bound in self.bound.values():
                bound.close()
        finally:
            self.bound.clear()

            for engine, private in self.engines.items():
                if private is not engine:
                    private.pool.dispose()

            self.engines.clear()


_current: ContextVar[_Operation | None] = ContextVar(
    "alembic_envkit_operation", default=None
)


def _within(
    private: bool, fn: t.Callable[_P, _T], *args: _P.args, **kwargs: _P.kwargs
) -> _T:
    """Run ``fn`` inside a greenlet as an operation, closing its connections
    at the end. An operation already running is joined instead.
    """
    if _current.get() is not None:
        return fn(*args, **kwargs)

    current = _Operation(private)
    token = _current.set(current)

    try:
        return fn(*args, **kwargs)
    finally:
        try:
            current.close()
        finally:
            _current.reset(token)


def _run_sync(
    env: HasTargets,
    name: str,
    fn: t.Callable[_P, _T],
    /,
    *args: _P.args,
    **kwargs: _P.kwargs,
) -> _T:
    concurrency = _concurrency()

    if concurrency.in_greenlet():
        # Called from AsyncConnection.run_sync or run_async with another
        # environment: the caller's loop drives the drivers.
        return _within(False, fn, *args, **kwargs)

    import asyncio

    try:
        asyncio.get_running_loop()
    except RuntimeError:
        coroutine = concurrency.greenlet_spawn(_within, True, fn, *args, **kwargs)
        return t.cast(_T, asyncio.run(coroutine))

    names = ", ".join(repr(n) for n, tg in env.targets.items() if tg.async_engine)
    raise EventLoopError(
        f"{name}() was called inside a running event loop, and the async engine"
        f" of {names} needs that loop to wait on. Await it instead:"
        f" 'await environment.run_async(environment.{name}, ...)', or run it in"
        f" a thread: 'await asyncio.to_thread(environment.{name}, ...)'."
    )


def _concurrency() -> t.Any:
    try:
        importlib.import_module("greenlet")
    except ImportError as e:
        raise ConfigurationError(_GREENLET_MESSAGE) from e

    from sqlalchemy.util import concurrency

    return concurrency


def _private_engine(engine: sa.Engine) -> sa.Engine:
    """A copy of ``engine`` with a pool of its own, made the same way as its
    pool (``Engine.dispose`` does the same), so that connections opened on a
    private loop never go back to the application's pool. A static pool
    holds the one connection of an in-memory database, and is shared.
    """
    if isinstance(engine.pool, sa.pool.StaticPool):
        return engine

    private = copy.copy(engine)
    private.pool = engine.pool.recreate()
    return private
