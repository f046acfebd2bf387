"""``alembic.op`` and ``alembic.context`` per thread.

Alembic installs the object behind each of these modules for the whole
process: two threads running revisions at once would send each other's
operations to the wrong database. Once :func:`per_thread` has run, each
thread's modules answer for the object that thread installed last, as the
process's did; using them with nothing installed raises Alembic's
``NameError``. A process with one thread sees no difference but that.
"""

from __future__ import annotations

import threading
import typing as t

from .._alembic import hand_proxies_to

_installed: threading.local = threading.local()
_lock = threading.Lock()
_done = False


def per_thread() -> None:
    """Make Alembic's module proxies answer per thread, from now on."""
    global _done

    with _lock:
        if not _done:
            hand_proxies_to(_install, _remove)
            _done = True


class _Current:
    """Stands in a module's ``_proxy`` global: each attribute is the one of
    the object the calling thread installed.
    """

    def __init__(self, cls: type) -> None:
        self._cls = cls

    def __getattr__(self, name: str) -> t.Any:
        current = _slots().get(self._cls)

        if current is None:
            # As Alembic's proxies say when nothing is installed.
            raise NameError(
                f"Can't invoke function {name!r}, as the proxy object has not yet"
                f" been established for the Alembic {self._cls.__name__!r} class."
                " Try placing this code inside a callable."
            )

        return getattr(current, name)


def _slots() -> dict[type, t.Any]:
    """The object installed in this thread, by class: one each, replaced by
    the next install, as Alembic keeps one for the process.
    """
    return t.cast("dict[type, t.Any]", _installed.__dict__.setdefault("slots", {}))


def _install(obj: t.Any, names: t.Iterable[str], modules: t.Iterable[t.Any]) -> None:
    cls = type(obj)
    _slots()[cls] = obj

    with _lock:
        for globals_, _ in modules:
            globals_["_proxy"] = _Current(cls)

            for name in names:
                # Plain attributes cannot follow the thread: the last wins.
                globals_[name] = getattr(obj, name)


def _remove(obj: t.Any, names: t.Iterable[str], modules: t.Iterable[t.Any]) -> None:
    slots = _slots()

    if slots.get(type(obj)) is obj:
        del slots[type(obj)]
