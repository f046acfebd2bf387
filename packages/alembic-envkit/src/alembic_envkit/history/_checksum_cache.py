"""Each revision file's checksums (see ``_checksum.py``), computed once per
version of the file and cached beside the header cache, in
``__pycache__/alembic_envkit.checksums``, under the same rules: keyed by the
file's size, modification time and change time, and not trusted when those
are too close to the cache's own write.
"""

from __future__ import annotations

import os
import threading
import typing as t

from ._checksum import file_checksums
from ._scan import File
from ._scan import racy_key
from ._scan import read_cache
from ._scan import write_cache

_NAME = "alembic_envkit.checksums"


class ChecksumCache:
    """The checksums of the revision files, by path."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._folders: dict[str, tuple[dict[str, t.Any], int]] = {}
        self._changed: set[str] = set()
        self._files: t.Sequence[File] = ()
        self._listed: dict[str, tuple[int, int, int]] | None = None

    def listed(self, files: t.Sequence[File]) -> None:
        """Note the files as just listed, with their keys: a checksum cached
        under a file's key then needs no second look at the file.
        """
        self._files, self._listed = files, None

    def get(self, path: str) -> tuple[str, str]:
        """The (upgrade, downgrade) checksums of a revision file as it is.

        :raises SyntaxError: If the file does not parse.
        """
        if self._listed is None:
            self._listed = {real: key for _, _, real, key in self._files}

        listed = self._listed.get(path)

        if listed is not None and (sums := self._cached(path, listed)) is not None:
            return sums

        st = os.stat(path)
        key = (st.st_size, st.st_mtime_ns, st.st_ctime_ns)

        if (sums := self._cached(path, key)) is not None:
            return sums

        sums = file_checksums(path)
        folder, name = os.path.split(path)

        with self._lock:
            self._folders[folder][0][name] = (key, sums)
            self._changed.add(folder)

        return sums

    def _cached(self, path: str, key: tuple[int, int, int]) -> tuple[str, str] | None:
        folder, name = os.path.split(path)

        with self._lock:
            if folder not in self._folders:
                self._folders[folder] = read_cache(folder, _NAME)

            entries, written = self._folders[folder]
            hit = entries.get(name)

        if hit is not None and hit[0] == key and not racy_key(key, written):
            return t.cast("tuple[str, str]", hit[1])

        return None

    def save(self) -> None:
        """Write the caches of the folders where checksums were computed."""
        with self._lock:
            for folder in self._changed:
                write_cache(folder, self._folders.pop(folder)[0], _NAME)

            self._changed.clear()
