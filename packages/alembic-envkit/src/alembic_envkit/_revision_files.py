"""The revision files of an environment: the graph read from their headers,
Alembic's script directory built from the same headers, and the cache of
what was read, saved when a command succeeds.
"""

from __future__ import annotations

import functools
import os
import time
import typing as t
from contextlib import contextmanager
from contextvars import ContextVar

from ._core import EnvironmentCore
from ._errors import ConfigurationError
from ._errors import translate_alembic_errors
from ._errors import translate_load_errors
from ._graph import RevisionGraph

if t.TYPE_CHECKING:
    from types import ModuleType

    from alembic.script import ScriptDirectory

    from ._scan import File


_F = t.TypeVar("_F", bound=t.Callable[..., t.Any])

#: Set while a command runs; the revision cache is then saved when the whole
#: command succeeds, not when each method it calls does.
_in_command: ContextVar[bool] = ContextVar("alembic_envkit_command", default=False)


def saves_cache(fn: _F) -> _F:
    """Save what was read of the revision files once the method succeeded."""

    @functools.wraps(fn)
    def wrapper(self: RevisionFiles, *args: t.Any, **kwargs: t.Any) -> t.Any:
        result = fn(self, *args, **kwargs)

        if not _in_command.get():
            self._save_cache()

        return result

    return t.cast(_F, wrapper)


class RevisionFiles(EnvironmentCore):
    """How :class:`.Environment` finds and reads its revision files."""

    @property
    def revision_graph(self) -> RevisionGraph:
        """The revisions, read from the files' headers without running them
        or importing Alembic. Re-read when a revision file is added, removed
        or changed; what was read is cached beside the files, in
        ``__pycache__``.

        .. versionadded:: 4.0
        """
        files = self._list_files()

        with self._lock:
            if self._graph is None or files != self._graph_files or self._graph_racy:
                from ._scan import racy
                from ._scan import Scan

                read_at = time.time_ns()

                if self._sourceless:
                    # Revisions shipped as bytecode only: Alembic finds
                    # them, and nothing is cached.
                    from ._scripts import loaded_headers

                    with translate_alembic_errors():
                        headers = loaded_headers(self.config)

                    scan = Scan(())
                else:
                    with translate_load_errors():
                        scan = Scan(files)

                    headers = scan.headers

                # A file changed in the tick of this read may change again
                # keeping its key: read the files again until the window
                # has passed, as for the cache on disk.
                self._graph_racy = racy(files, read_at)

                if files == self._graph_files and headers == self._headers:
                    # Read again only to be sure, and nothing changed: keep
                    # the graph, and the objects built on it.
                    self._unsaved = scan
                    return t.cast(RevisionGraph, self._graph)

                graph = RevisionGraph(headers, self._load_module)
                self._graph, self._graph_files = graph, files
                self._headers = headers
                # Saved once the command using it succeeds: a history that
                # does not hold together, or a failed command, writes nothing.
                self._unsaved = scan

            return self._graph

    @property
    def script_directory(self) -> ScriptDirectory:
        """The Alembic :class:`~alembic.script.ScriptDirectory`. Rebuilt when
        a revision file is added, removed or changed. A revision file is
        imported only when it runs or its module is asked for.
        """
        from . import _migrate

        self.revision_graph  # noqa: B018 (read the files' headers first)

        with self._lock:
            if self._script is None or self._script_files is not self._graph_files:
                from alembic.script import ScriptDirectory

                from ._scripts import lazy_script_directory

                with translate_alembic_errors():
                    self._script = lazy_script_directory(
                        lambda: ScriptDirectory.from_config(self.config),
                        self._headers,
                    )

                _migrate.install_safe_writes(self._script)
                self._script_files = self._graph_files
                self._env = None

            return self._script

    @contextmanager
    def command(self) -> t.Iterator[None]:
        """Run a block as one command: the cache of what was read from the
        revision files is written once, when the block succeeds. The
        command line runs each command this way; a method called outside
        such a block saves the cache when it succeeds.

        .. versionadded:: 4.0
        """
        token = _in_command.set(True)

        try:
            yield
        finally:
            _in_command.reset(token)

        self._save_cache()

    def _save_cache(self) -> None:
        scan, self._unsaved = self._unsaved, None

        if scan is not None:
            scan.save()

    def _list_files(self) -> list[File]:
        from ._scan import list_files

        if not os.path.exists(self.settings.script_location):
            raise ConfigurationError(
                f"The migrations folder {self.settings.script_location!r}"
                " does not exist. Create it with the 'mkdir' command or"
                " check the 'script_location' setting."
            )

        return list_files(
            [p for _, p in self.settings.version_locations],
            recursive=self._option_on("recursive_version_locations"),
            bytecode=self._sourceless,
        )

    @property
    def _sourceless(self) -> bool:
        return self._option_on("sourceless")

    def _option_on(self, name: str) -> bool:
        value = self.settings.main_options.get(name, "")
        return value.strip().lower() in ("true", "1", "yes", "on")

    def _load_module(self, revision: str) -> ModuleType:
        with translate_alembic_errors():
            return self.script_directory.get_revision(revision).module
