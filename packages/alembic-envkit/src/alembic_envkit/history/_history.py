"""The history of one environment: its revision files, the header scan and
its cache, the revision graph, Alembic's config and the lazy
``ScriptDirectory``. The only owner of the migrations folder.
"""

from __future__ import annotations

import functools
import os
import threading
import time
import typing as t
from contextlib import contextmanager
from contextvars import ContextVar

from .._errors import ConfigurationError
from .._errors import EnvkitError
from .._errors import translate_alembic_errors
from .._errors import translate_load_errors
from ._checksum_cache import ChecksumCache
from ._folder import check_template
from ._folder import make_directories
from ._graph import RevisionGraph
from ._head_files import head_file_name
from ._head_files import write_head_files
from ._headers import import_header
from ._headers import read_header
from ._revision import declared_labels
from ._scan import list_files
from ._scan import racy
from ._scan import Scan

if t.TYPE_CHECKING:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    from ..settings import LazyTargets
    from ..settings import Settings
    from ._headers import Header
    from ._revision import Revision
    from ._scan import File


_F = t.TypeVar("_F", bound=t.Callable[..., t.Any])

#: Set while a command runs; the revision cache is then saved when the whole
#: command succeeds, not when each method it calls does.
_in_command: ContextVar[bool] = ContextVar("alembic_envkit_command", default=False)
#: The files each history listed during the running method, by id.
_listed: ContextVar[dict[int, list[File]] | None] = ContextVar(
    "alembic_envkit_listed", default=None
)


class History:
    """The revisions of an environment, read from its folders.

    :param settings: Where the revisions live.
    :param targets: The databases, for their names (several select
        Alembic's ``multidb`` template); engines are never needed.
    """

    def __init__(self, settings: Settings, targets: LazyTargets) -> None:
        self.settings = settings
        self._targets = targets
        self._lock = threading.RLock()
        self._config: Config | None = None
        self._script: ScriptDirectory | None = None
        self._script_files: list[File] | None = None
        self._graph: RevisionGraph | None = None
        self._graph_files: list[File] | None = None
        #: Whether a file changed too close to the graph's read to trust it.
        self._graph_racy = False
        self._headers: list[Header] = []
        self._unsaved: Scan | None = None
        #: Whether revision files were written since the head files were.
        self._written = False
        #: The revision files' checksums, for the ledger.
        self.checksums = ChecksumCache()

    @property
    def config(self) -> Config:
        """The Alembic :class:`~alembic.config.Config`, in memory."""
        if self._config is None:
            # Imports Alembic, which reading revisions never needs.
            from ._config import build_config

            with self._lock:
                if self._config is None:
                    self._config = build_config(self.settings, self._targets.names())

        return self._config

    @property
    def graph(self) -> RevisionGraph:
        """The revisions, read from the files' headers without running them
        or importing Alembic. Re-read when a revision file is added, removed
        or changed; what was read is cached beside the files, in
        ``__pycache__``, once the command using it succeeds.
        """
        files = self._list_files()

        with self._lock:
            if self._graph is None or files != self._graph_files or self._graph_racy:
                read_at = time.time_ns()

                if self._sourceless:
                    # Revisions shipped as bytecode only: Alembic finds
                    # them, and nothing is cached. Imports Alembic.
                    from .._alembic import loaded_headers

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

                graph = RevisionGraph(headers)
                self._graph, self._graph_files = graph, files
                self._headers = headers
                # Saved once the command using it succeeds: a history that
                # does not hold together, or a failed command, writes nothing.
                self._unsaved = scan

            return self._graph

    @property
    def script_directory(self) -> ScriptDirectory:
        """The Alembic :class:`~alembic.script.ScriptDirectory`, rebuilt when
        a revision file is added, removed or changed. Its Scripts are the
        graph's revisions, the same objects; a revision file is imported
        only when it runs or its module is asked for.
        """
        self.graph  # noqa: B018 (read the files' headers first)

        with self._lock:
            if self._script is None or self._script_files is not self._graph_files:
                graph = t.cast(RevisionGraph, self._graph)
                # Imports Alembic, which reading revisions never needs.
                from alembic.script import ScriptDirectory

                from .._alembic import lazy_script_directory
                from ._writes import install_safe_writes

                with translate_alembic_errors(), declared_labels():
                    self._script = lazy_script_directory(
                        lambda: ScriptDirectory.from_config(self.config),
                        list(graph.revisions.values()),
                    )

                install_safe_writes(self._script, self.wrote)
                self._script_files = self._graph_files

            return self._script

    def heads(self, resolve_dependencies: bool = False) -> tuple[Revision, ...]:
        """The revisions no revision has as its parent (with
        ``resolve_dependencies``, nor depends on).
        """
        graph = self.graph
        ids = graph.real_heads if resolve_dependencies else graph.heads
        return tuple(graph[i] for i in ids)

    def branches(self) -> list[Revision]:
        """The revisions with several children, newest first."""
        graph = self.graph

        if not any(r.is_branch_point for r in graph.revisions.values()):
            return []

        return [r for r in self.log(["base"], ["heads"]) if r.is_branch_point]

    def log(self, start: list[str], end: list[str]) -> list[Revision]:
        """The revisions from ``start`` to ``end``, newest first, as
        Alembic walks them.
        """
        # walk_revisions is typed for one id each, but takes lists too.
        base: t.Any = start[0] if len(start) == 1 else start
        head: t.Any = end[0] if len(end) == 1 else end
        with translate_alembic_errors():
            # The script directory's Scripts are the graph's revisions.
            walk = self.script_directory.walk_revisions(base, head)
            return t.cast("list[Revision]", list(walk))

    def show(self, ids: list[str]) -> tuple[Revision, ...]:
        """The revisions with these ids, prefixes or symbols."""
        graph = self.graph
        found = graph.get(ids)

        if found is not None:
            return found

        with translate_alembic_errors():
            found_all = self.script_directory.get_revisions(ids)
            return tuple(t.cast("Revision", s) for s in found_all if s is not None)

    @contextmanager
    def command(self) -> t.Iterator[None]:
        """Run a block as one command: the cache of what was read is written
        once, when the block succeeds.
        """
        token = _in_command.set(True)

        try:
            yield
        finally:
            _in_command.reset(token)

        self.save()

    def save(self) -> None:
        """Write the cache of what was read, unless a command is running:
        it is then written when the command succeeds.
        """
        if _in_command.get():
            return

        scan, self._unsaved = self._unsaved, None

        if scan is not None:
            scan.save()

        self.checksums.save()

        if self._written:
            name = head_file_name(self.settings.options)

            if name is not None:
                write_head_files(self.graph, self.folders, name)

            self._written = False

    def wrote(self, path: str | os.PathLike[str]) -> None:
        """Note that a revision file was written or rewritten: the folders
        are listed again, and the head files are rewritten when the command
        succeeds (see :meth:`save`).
        """
        self._written = True
        listed = _listed.get()

        if listed is not None:
            listed.pop(id(self), None)

    @property
    def folders(self) -> list[str]:
        """Every version location, the script location's first."""
        return [p for _, p in self.settings.version_locations]

    @contextmanager
    def x_arguments(self, values: t.Sequence[str]) -> t.Iterator[None]:
        """Make ``key=value`` strings readable in revision files through
        ``context.get_x_argument()`` while the block runs.
        """
        if not values and self._config is None:
            # A config built inside the block starts with no -x arguments;
            # not building one here keeps reads from importing Alembic.
            yield
            return

        cmd_opts = self.config.cmd_opts
        old = list(cmd_opts.x)  # type: ignore[union-attr]
        cmd_opts.x = list(values)  # type: ignore[union-attr]

        try:
            yield
        finally:
            cmd_opts.x = old  # type: ignore[union-attr]

    def read_headers(self) -> tuple[list[Header], list[tuple[str, str]]]:
        """Every revision file's header, and the files that can't be read
        with the reason, without building the graph, which refuses a history
        that does not hold together. What was read is cached when every file
        could be read.
        """
        files = self._list_files()

        if self._sourceless:
            # Bytecode can only be read by Alembic, all at once. Imports it.
            from .._alembic import loaded_headers

            try:
                with translate_alembic_errors():
                    return loaded_headers(self.config), []
            except EnvkitError as e:
                return [], [(self.settings.script_location, str(e))]

        try:
            with translate_load_errors():
                scan = Scan(files)
        except Exception:  # noqa: BLE001 (read each file below, to name it)
            pass
        else:
            scan.save()
            return scan.headers, []

        headers, unreadable = [], []

        for _, _, real, _ in files:
            try:
                headers.append(read_header(real) or import_header(real))
            except SyntaxError as e:
                unreadable.append((real, f"line {e.lineno}: {e.msg}."))
            except Exception as e:  # noqa: BLE001 (a revision file may raise anything)
                unreadable.append((real, f"{type(e).__name__}: {e}"))

        return headers, unreadable

    def check_template(self) -> None:
        """Refuse a ``script.py.mako`` written for another number of
        databases than are configured.
        """
        check_template(self.settings.script_location, self._targets.names())

    def mkdir(self) -> None:
        """Create the migrations folder, its template and every version
        folder, where they do not exist.
        """
        make_directories(
            self.settings.script_location,
            self.folders,
            multidb=len(self._targets.names()) > 1,
        )

    def _list_files(self) -> list[File]:
        # Once per method of an environment (see saves_cache): a command
        # reads the history several times, and the folders are listed once.
        listed = _listed.get()

        if listed is not None and id(self) in listed:
            return listed[id(self)]

        files = self._list_folders()

        if listed is not None:
            listed[id(self)] = files

        return files

    def _list_folders(self) -> list[File]:
        if not os.path.exists(self.settings.script_location):
            raise ConfigurationError(
                f"The migrations folder {self.settings.script_location!r}"
                " does not exist. Create it with the 'mkdir' command or"
                " check the 'script_location' setting."
            )

        files = list_files(
            self.folders,
            recursive=self._option_on("recursive_version_locations"),
            bytecode=self._sourceless,
        )
        self.checksums.listed(files)
        return files

    @property
    def _sourceless(self) -> bool:
        return self._option_on("sourceless")

    def _option_on(self, name: str) -> bool:
        value = self.settings.main_options.get(name, "")
        return value.strip().lower() in ("true", "1", "yes", "on")


def saves_cache(fn: _F) -> _F:
    """For a method of an object with a ``history``: save what was read of
    the revision files once the method succeeded.
    """

    @functools.wraps(fn)
    def wrapper(self: t.Any, *args: t.Any, **kwargs: t.Any) -> t.Any:
        token = _listed.set({}) if _listed.get() is None else None

        try:
            result = fn(self, *args, **kwargs)
        finally:
            if token is not None:
                _listed.reset(token)

        self.history.save()
        return result

    return t.cast(_F, wrapper)
