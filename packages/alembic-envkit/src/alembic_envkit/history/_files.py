"""Writing files in the history's folders whole or not at all."""

from __future__ import annotations

import os
import tempfile
import threading

_umask_lock = threading.Lock()


def umask() -> int:
    """The process's umask, read without leaving it changed for another
    thread.
    """
    with _umask_lock:
        mask = os.umask(0o022)
        os.umask(mask)

    return mask


def replace_file(path: str, data: bytes) -> None:
    """Replace a file's content whole or not at all: written beside it,
    flushed to disk, then renamed over it, keeping its mode (a new file
    follows the umask).
    """
    fd, tmp = tempfile.mkstemp(
        dir=os.path.dirname(path) or ".", prefix=".", suffix=".tmp"
    )

    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())

        try:
            mode = os.stat(path).st_mode & 0o7777
        except FileNotFoundError:
            mode = 0o666 & ~umask()

        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise
