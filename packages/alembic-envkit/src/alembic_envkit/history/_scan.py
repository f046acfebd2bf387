"""Read revision headers without running the revision files, and cache what
was read beside Python's own bytecode cache.

A revision file's header is the module docstring and the literal
assignments of ``revision``, ``down_revision``, ``branch_labels`` and
``depends_on``. When a file sets one of them any other way (computed,
assigned twice, inside an ``if``), it is imported instead, as Alembic would,
and what it says is not cached.

Each version folder's cache, ``__pycache__/alembic_envkit.revisions``, maps
file names to what was read, keyed by the file's size, modification time and
change time, so an unchanged history costs one ``stat`` per file.

As git does with its index, an entry is not trusted when the file's
modification or change time is within :data:`RACY_WINDOW_NS` of the cache's
own modification time: the file may have changed again in the same
timestamp tick as the cache was written, keeping its size and times. Such a
file is read again, and the cache is written anew, so that once the window
has passed the entry is trusted. A process that keeps what it read does the
same with the time of its read (see :func:`racy`).
"""

from __future__ import annotations

import marshal
import os
import re
import secrets
import typing as t

from .._errors import ConfigurationError
from ._headers import Header
from ._headers import import_header
from ._headers import read_header

# The files Alembic takes for revisions: *.py, but not __init__ or editor
# lock files.
_REVISION_FILE = re.compile(r"(?!\.\#|__init__)(.*\.py)$")
_BYTECODE_FILE = re.compile(r"(?!\.\#|__init__)(.*\.py)(c|o)?$")
_CACHE_NAME = "alembic_envkit.revisions"
_CACHE_FORMAT = 1
#: How close to the cache's write a file's times may be before its entry is
#: no longer trusted: the coarsest timestamp granularity of a common
#: filesystem (FAT's two seconds), so that a change in the same tick as the
#: cache write is seen wherever the folder lives.
RACY_WINDOW_NS = 2_000_000_000


#: A revision file: its folder, name, real path and (size, modification
#: time, change time).
File: t.TypeAlias = tuple[str, str, str, tuple[int, int, int]]


def racy(files: t.Iterable[File], since_ns: int) -> bool:
    """Whether any file's modification or change time is within
    :data:`RACY_WINDOW_NS` of a moment, or after it: what was read from it
    then may not be what it holds now, although its key is the same.

    :param files: As :func:`list_files` returns them.
    :param since_ns: The moment, as ``time.time_ns()`` or a file's time.
    """
    return any(racy_key(key, since_ns) for *_, key in files)


def racy_key(key: tuple[int, int, int], since_ns: int) -> bool:
    return max(key[1], key[2]) >= since_ns - RACY_WINDOW_NS


def list_files(
    folders: t.Iterable[str], *, recursive: bool = False, bytecode: bool = False
) -> list[File]:
    """Every revision file in some folders, in the order Alembic loads them:
    folder by folder, by name, each real file once. Missing folders are
    skipped.

    :param folders: Version folders, in order.
    :param recursive: Also list subfolders, as Alembic's
        ``recursive_version_locations`` does.
    :param bytecode: Also list bytecode files, in the folders and their
        ``__pycache__``, for Alembic's ``sourceless`` option. They are only
        listed, to see changes; Alembic reads them.
    :raises ConfigurationError: If a folder exists but cannot be listed.
    """
    result: list[File] = []
    seen: set[str] = set()
    pattern = _BYTECODE_FILE if bytecode else _REVISION_FILE

    for folder in folders:
        _list_folder(folder, recursive, seen, result, pattern)

        if bytecode:
            _list_folder(
                os.path.join(folder, "__pycache__"), False, seen, result, pattern
            )

    return result


def _list_folder(
    folder: str,
    recursive: bool,
    seen: set[str],
    result: list[File],
    pattern: re.Pattern[str] = _REVISION_FILE,
) -> None:
    try:
        entries = sorted(os.scandir(folder), key=lambda e: e.name)
    except FileNotFoundError:
        return
    except OSError as e:
        raise ConfigurationError(
            f"Cannot read the migrations folder {folder!r}: {e.strerror}. Check"
            " its permissions and the 'script_location' and"
            " 'version_locations' settings."
        ) from e

    prefix = os.path.join(os.path.realpath(folder), "")
    subfolders = []

    for entry in entries:
        name = entry.name

        if entry.is_dir():
            if recursive and name != "__pycache__":
                subfolders.append(entry.path)

            continue

        if entry.is_symlink():
            real = os.path.realpath(entry.path)
            real_name = os.path.basename(real)
        else:
            real, real_name = prefix + name, name

        if real in seen or not pattern.match(real_name):
            continue

        seen.add(real)

        try:
            st = entry.stat()
        except OSError:  # A dangling symlink: importing it reports it.
            st = entry.stat(follow_symlinks=False)

        result.append(
            (folder, entry.name, real, (st.st_size, st.st_mtime_ns, st.st_ctime_ns))
        )

    for sub in subfolders:
        _list_folder(sub, recursive, seen, result, pattern)


class Scan:
    """The headers of some revision files, read from each folder's cache
    where the file did not change, else from the file.

    :param files: As :func:`list_files` returns them.
    """

    def __init__(self, files: t.Iterable[File]) -> None:
        #: Each file's header, in the order of ``files``.
        self.headers: list[Header] = []
        #: Each folder's new cache entries, for :meth:`save`.
        self._pending: dict[str, dict[str, t.Any]] = {}
        caches: dict[str, dict[str, t.Any]] = {}
        written: dict[str, int] = {}
        entries: dict[str, dict[str, t.Any]] = {}
        racy_folders: set[str] = set()

        for folder, name, real, key in files:
            if folder not in caches:
                caches[folder], written[folder] = read_cache(folder)
                entries[folder] = {}

            hit = caches[folder].get(name)

            if hit is not None and hit[0] == key and hit[1][5] == real:
                if not racy_key(key, written[folder]):
                    header = hit[1]
                else:
                    # Changed in the tick the cache was written: it may have
                    # changed again since, with the same size and times.
                    header = read_header(real)
                    racy_folders.add(folder)
            else:
                header = read_header(real)

                if header is None:
                    # Read by running it, which may give a different answer
                    # next time: not cached.
                    self.headers.append(import_header(real))
                    continue

            entries[folder][name] = (key, header)
            self.headers.append(header)

        for folder, new in entries.items():
            if new != caches[folder] or folder in racy_folders:
                self._pending[folder] = new

    def save(self) -> None:
        """Write the caches of the folders whose files changed. A folder that
        cannot be written to is left without a cache.
        """
        for folder, entries in self._pending.items():
            write_cache(folder, entries)

        self._pending.clear()


def _cache_path(folder: str, name: str = _CACHE_NAME) -> str:
    return os.path.join(folder, "__pycache__", name)


def read_cache(folder: str, name: str = _CACHE_NAME) -> tuple[dict[str, t.Any], int]:
    """A folder's cache entries and the cache file's modification time."""
    try:
        with open(_cache_path(folder, name), "rb") as f:
            written = os.fstat(f.fileno()).st_mtime_ns
            data = marshal.loads(f.read())
    except (OSError, EOFError, ValueError, TypeError):
        return {}, 0

    if (
        not isinstance(data, tuple)
        or len(data) != 3
        or data[0] != _CACHE_FORMAT
        or data[1] != folder
        or not isinstance(data[2], dict)
    ):
        return {}, 0

    return data[2], written


def write_cache(
    folder: str, entries: dict[str, t.Any], name: str = _CACHE_NAME
) -> None:
    """Write a folder's cache whole under a temporary name, then rename it
    into place: a reader sees the old cache or the new one, and of two
    writers the last one wins.
    """
    cache_dir = os.path.join(folder, "__pycache__")
    tmp = os.path.join(cache_dir, f".{name}.{os.getpid()}.{secrets.token_hex(4)}")

    try:
        os.makedirs(cache_dir, exist_ok=True)
        # Created as Python creates bytecode files: mode 0o666 less the umask.
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    except OSError:
        return  # A read-only deployment: work without a cache.

    try:
        with os.fdopen(fd, "wb") as f:
            marshal.dump((_CACHE_FORMAT, folder, entries), f)

        os.replace(tmp, _cache_path(folder, name))
    except OSError:
        try:
            os.unlink(tmp)
        except OSError:
            pass
