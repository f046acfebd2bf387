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

import ast
import importlib.util
import marshal
import os
import re
import secrets
import sys
import typing as t

#: What a revision file declares: revision id, down revisions, branch labels,
#: dependencies, full docstring and the file's real path.
Header: t.TypeAlias = tuple[
    str,
    "str | tuple[str, ...] | None",
    tuple[str, ...],
    "str | tuple[str, ...] | None",
    str,
    str,
]

_KEYS = ("revision", "down_revision", "branch_labels", "depends_on")
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
    return any(_racy_key(key, since_ns) for *_, key in files)


def _racy_key(key: tuple[int, int, int], since_ns: int) -> bool:
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
        from ._errors import ConfigurationError

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
                caches[folder], written[folder] = _read_cache(folder)
                entries[folder] = {}

            hit = caches[folder].get(name)

            if hit is not None and hit[0] == key and hit[1][5] == real:
                if not _racy_key(key, written[folder]):
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
                    self.headers.append(_import_header(real))
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
            _write_cache(folder, entries)

        self._pending.clear()


def read_header(path: str) -> Header | None:
    """Read a revision file's header without running it; ``None`` when it
    cannot be read that way and the file must be imported.

    :param path: The revision file.
    """
    try:
        with open(path, "rb") as f:
            tree = ast.parse(f.read(), path)
    except (OSError, SyntaxError, ValueError, UnicodeDecodeError):
        return None  # Importing it reports the error as Python would.

    values: dict[str, t.Any] = {}

    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            if _binds_key(node, only_global=True):
                return None

            continue

        target = _literal_assignment(node)

        if target is not None:
            name, value = target

            if name in values:
                return None

            values[name] = value
        elif _binds_key(node, only_global=False):
            return None

    if "revision" not in values or not isinstance(values["revision"], str):
        return None

    down = _revision_tuple(values.get("down_revision"))
    labels = _revision_tuple(values.get("branch_labels"))
    depends = _revision_tuple(values.get("depends_on"))

    if down is False or labels is False or depends is False:
        return None

    docstring = ast.get_docstring(tree, clean=sys.version_info >= (3, 13)) or ""
    return (
        values["revision"],
        _scalar(down),
        tuple(labels or ()),
        _scalar(depends),
        docstring.strip(),
        path,
    )


def _literal_assignment(node: ast.stmt) -> tuple[str, t.Any] | None:
    """The key and value of ``key = literal`` or ``key: type = literal``."""
    if isinstance(node, ast.Assign):
        if len(node.targets) != 1:
            return None

        target, value = node.targets[0], node.value
    elif isinstance(node, ast.AnnAssign) and node.value is not None:
        target, value = node.target, node.value
    else:
        return None

    if not isinstance(target, ast.Name) or target.id not in _KEYS:
        return None

    try:
        return target.id, ast.literal_eval(value)
    except ValueError:
        return target.id, _NOT_LITERAL


_NOT_LITERAL = object()


def _binds_key(node: ast.AST, *, only_global: bool) -> bool:
    """Whether a statement could set one of the header's names some other
    way: a loop, an import, a ``global`` statement, a star import.
    """
    for child in ast.walk(node):
        if isinstance(child, ast.Global) and set(child.names) & set(_KEYS):
            return True

        if only_global:
            continue

        if isinstance(child, ast.Name) and child.id in _KEYS:
            if isinstance(child.ctx, (ast.Store, ast.Del)):
                return True
        elif isinstance(child, ast.alias):
            if child.name == "*" or (child.asname or child.name) in _KEYS:
                return True
        elif isinstance(child, ast.Call):
            func = child.func

            if isinstance(func, ast.Name) and func.id in ("globals", "exec", "vars"):
                return True

    return False


def _revision_tuple(value: t.Any) -> tuple[str, ...] | None | t.Literal[False]:
    """``None``, a string or a sequence of strings as a tuple; ``False`` for
    anything else.
    """
    if value is None:
        return None

    if isinstance(value, str):
        return (value,)

    if isinstance(value, (tuple, list)) and all(isinstance(v, str) for v in value):
        return tuple(value)

    return False


def _scalar(value: tuple[str, ...] | None) -> str | tuple[str, ...] | None:
    if not value:
        return None

    return value[0] if len(value) == 1 else value


def _import_header(path: str) -> Header:
    """Run a revision file to learn its header, as Alembic does."""
    from ._errors import revision_error

    if not os.path.exists(path):
        raise ImportError(f"Can't find Python file {path}")

    name = "_alembic_envkit_revision_" + re.sub(r"\W", "_", path)
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    revision = getattr(module, "revision", None)

    if revision is None:
        legacy = re.match(r"([a-f0-9]+)\.py$", os.path.basename(path))

        if legacy is None:
            raise revision_error(
                f"Cannot tell the revision id of {path}: it sets no 'revision'."
                " Declare revision = '<id>' in the file."
            )

        revision = legacy.group(1)

    def as_tuple(key: str) -> tuple[str, ...]:
        value = getattr(module, key, None)

        if not value:
            return ()

        return (value,) if isinstance(value, str) else tuple(value)

    return (
        str(revision),
        _scalar(as_tuple("down_revision")),
        as_tuple("branch_labels"),
        _scalar(as_tuple("depends_on")),
        (module.__doc__ or "").strip(),
        path,
    )


def _cache_path(folder: str) -> str:
    return os.path.join(folder, "__pycache__", _CACHE_NAME)


def _read_cache(folder: str) -> tuple[dict[str, t.Any], int]:
    """A folder's cache entries and the cache file's modification time."""
    try:
        with open(_cache_path(folder), "rb") as f:
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


def _write_cache(folder: str, entries: dict[str, t.Any]) -> None:
    """Write a folder's cache whole under a temporary name, then rename it
    into place: a reader sees the old cache or the new one, and of two
    writers the last one wins.
    """
    cache_dir = os.path.join(folder, "__pycache__")
    tmp = os.path.join(
        cache_dir, f".{_CACHE_NAME}.{os.getpid()}.{secrets.token_hex(4)}"
    )

    try:
        os.makedirs(cache_dir, exist_ok=True)
        # Created as Python creates bytecode files: mode 0o666 less the umask.
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    except OSError:
        return  # A read-only deployment: work without a cache.

    try:
        with os.fdopen(fd, "wb") as f:
            marshal.dump((_CACHE_FORMAT, folder, entries), f)

        os.replace(tmp, _cache_path(folder))
    except OSError:
        try:
            os.unlink(tmp)
        except OSError:
            pass
