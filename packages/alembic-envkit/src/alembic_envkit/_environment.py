"""Environment: what ``env.py`` is in plain Alembic, built from settings."""

from __future__ import annotations

import functools
import os
import threading
import time
import typing as t
from contextlib import contextmanager
from contextlib import ExitStack
from contextvars import ContextVar

import sqlalchemy as sa

from . import _async
from . import _locks
from ._connections import Bound
from ._connections import reading
from ._connections import Scope
from ._connections import ThreadScope
from ._current import connect
from ._current import version_rows
from ._errors import ConfigurationError
from ._errors import DatabaseUnavailableError
from ._errors import MigrationError
from ._errors import revision_error
from ._errors import translate_alembic_errors
from ._errors import translate_load_errors
from ._graph import Revision
from ._graph import RevisionGraph
from ._revisions import new_rev_id
from ._revisions import replace_current
from ._revisions import revision_ids
from ._revisions import RevisionArg
from ._revisions import step_target
from ._revisions import TargetArg
from ._settings import Settings
from ._targets import Targets
from ._templates import check_template
from ._templates import make_directories

if t.TYPE_CHECKING:
    from types import ModuleType

    from alembic.config import Config
    from alembic.operations import MigrationScript
    from alembic.operations import Operations
    from alembic.runtime.environment import EnvironmentContext
    from alembic.runtime.migration import MigrationContext
    from alembic.script import Script
    from alembic.script import ScriptDirectory

    from . import _migrate
    from ._scan import File
    from ._scan import Scan


_T = t.TypeVar("_T")
_P = t.ParamSpec("_P")
_F = t.TypeVar("_F", bound=t.Callable[..., t.Any])

#: Set while a command runs; the revision cache is then saved when the whole
#: command succeeds, not when each method it calls does.
_in_command: ContextVar[bool] = ContextVar("alembic_envkit_command", default=False)


def _saves_cache(fn: _F) -> _F:
    """Save what was read of the revision files once the method succeeded."""

    @functools.wraps(fn)
    def wrapper(self: Environment, *args: t.Any, **kwargs: t.Any) -> t.Any:
        result = fn(self, *args, **kwargs)

        if not _in_command.get():
            self._save_cache()

        return result

    return t.cast(_F, wrapper)


#: The databases chosen with Environment.selecting, for the running block.
_selection: ContextVar[frozenset[str] | None] = ContextVar(
    "alembic_envkit_selection", default=None
)


class Environment:
    """An Alembic migration environment built from :class:`.Settings` and
    :class:`.Targets`, with no ``alembic.ini`` or ``env.py``.

    Alembic's objects are created on first use and cached. The revision files
    are checked by their size and modification time on each use, so edits are
    seen by a long-running process. Connections are opened on first use, kept
    per ``scope`` (by default per thread), and released by
    :meth:`close` or at the end of a ``with`` block. When a database has an
    async engine, connections last for one method call instead, see
    :meth:`run_async`.

    The methods return data and never print.

    :param settings: Where revisions live and which options to use.
    :param targets: The databases to migrate, or a callable that returns them
        on first use.
    :param rev_id: Makes the id of each new revision. The default is the UTC
        time to the millisecond, ``20261122T142530123``.
    :param scope: Returns the dict that connections are kept in. The default
        keeps one set per thread.
    :param database_names: Returns the names of the databases without
        resolving engines, so that reading revisions works before the engines
        are known. By default the names of ``targets``.
    """

    def __init__(
        self,
        settings: Settings,
        targets: Targets | t.Callable[[], Targets],
        *,
        rev_id: t.Callable[[], str] | None = None,
        scope: Scope | None = None,
        database_names: t.Callable[[], t.Sequence[str]] | None = None,
    ) -> None:
        self.settings = settings
        self._targets = targets
        self._database_names = database_names
        self._rev_id = rev_id or new_rev_id
        self._scope = scope or ThreadScope()
        self._lock = threading.RLock()
        self._config: Config | None = None
        self._script: ScriptDirectory | None = None
        self._script_files: list[File] | None = None
        self._graph: RevisionGraph | None = None
        self._graph_files: list[File] | None = None
        self._headers: list[t.Any] = []
        self._unsaved: Scan | None = None
        self._env: EnvironmentContext | None = None
        #: Called with a :class:`.MigrationEvent` as each revision starts
        #: and when it is done, on every database; ``None`` for no reports.
        self.progress: t.Callable[[_migrate.MigrationEvent], None] | None = None

    def __enter__(self) -> Environment:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    @property
    def database_names(self) -> list[str]:
        """The names of the configured databases, in order. Several select
        Alembic's ``multidb`` template.
        """
        if self._database_names is not None and not isinstance(self._targets, Targets):
            return list(self._database_names())

        return list(self.targets)

    @property
    def targets(self) -> Targets:
        """The databases this environment migrates."""
        if not isinstance(self._targets, Targets):
            with self._lock:
                if not isinstance(self._targets, Targets):
                    self._targets = self._targets()

        return self._targets

    def close(self) -> None:
        """Close the connections opened in the current scope. Alembic objects
        stay cached; new connections are opened on next use.
        """
        bound = _async.scope(self._scope).pop(self, None)

        if bound is not None:
            bound.close()

    async def run_async(
        self, fn: t.Callable[_P, _T], /, *args: _P.args, **kwargs: _P.kwargs
    ) -> _T:
        """Call a method of this environment (or any function that uses it)
        from async code, for example ``await env.run_async(env.upgrade)``.
        Async engines' drivers wait on the running event loop, so other tasks
        go on meanwhile; sync engines' drivers block it while they work.
        The connections opened are closed before this returns.

        :param fn: What to call, such as ``env.upgrade``.
        :param args: Its positional arguments.
        :param kwargs: Its keyword arguments.
        :return: What ``fn`` returns.

        .. versionadded:: 0.1
        """
        return await _async.run_async(fn, *args, **kwargs)

    @_saves_cache
    def rev_id(self) -> str:
        """Make a new revision id that no existing revision has."""
        known = set(self.revision_graph.revisions)

        for _ in range(1000):
            value = self._rev_id()

            if value not in known:
                return value

        raise revision_error(
            f"The revision id function keeps returning existing ids ({value!r})."
            " Make it return a new id on each call."
        )

    # Alembic objects

    @property
    def config(self) -> Config:
        """The Alembic :class:`~alembic.config.Config`, in memory."""
        if self._config is None:
            from ._config import build_config

            with self._lock:
                if self._config is None:
                    self._config = build_config(self.settings, self.database_names)

        return self._config

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
            if self._graph is None or files != self._graph_files:
                from ._scan import Scan

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

    @property
    def environment_context(self) -> EnvironmentContext:
        """An Alembic
        :class:`~alembic.runtime.environment.EnvironmentContext` for this
        configuration. Each database's migration context is configured on an
        environment context of its own, see :attr:`migration_contexts`.
        """
        from alembic.runtime.environment import EnvironmentContext

        script = self.script_directory

        if self._env is None:
            self._env = EnvironmentContext(self.config, script)

        return self._env

    @property
    def migration_contexts(self) -> dict[str, MigrationContext]:
        """The Alembic
        :class:`~alembic.runtime.migration.MigrationContext` of each database,
        connected in the current scope.
        """
        return {
            name: env.get_context() for name, env in self._bound().environments.items()
        }

    @property
    def migration_context(self) -> MigrationContext:
        """The migration context of the primary database: ``"default"``, or
        the only or first configured one.
        """
        return self.migration_contexts[self.targets.primary]

    @property
    def ops(self) -> dict[str, Operations]:
        """An Alembic :class:`~alembic.operations.Operations` for each
        database, bound to that database's migration context.
        """
        from alembic.operations import Operations

        bound = self._bound()

        if bound.ops is None:
            bound.ops = {
                name: Operations(env.get_context())
                for name, env in bound.environments.items()
            }

        return bound.ops

    @property
    def op(self) -> Operations:
        """The :class:`~alembic.operations.Operations` of the primary
        database.
        """
        return self.ops[self.targets.primary]

    @_saves_cache
    @_async.operation
    def run_migrations(self, fn: _migrate.StepsFn, **kwargs: t.Any) -> None:
        """Run a work function on every database, as ``env.py`` would.

        Each database's migration lock is taken first (unless the ``lock``
        setting is off), in name order, then all transactions are opened
        before any migration runs. How a failure is rolled back depends on
        the ``transaction_mode`` setting; the :exc:`.MigrationError` names
        the database and revision.

        :param fn: Given the current heads and the migration context, returns
            the steps to run.
        :param kwargs: Passed to each revision's ``upgrade()`` or
            ``downgrade()``.
        """
        self._run(fn, write=True, **kwargs)

    def _run(
        self,
        fn: _migrate.StepsFn,
        *,
        write: bool,
        repair: bool = False,
        **kwargs: t.Any,
    ) -> None:
        from . import _migrate

        environments = self._selected(self._bound().environments)
        settings = self.settings

        with ExitStack() as stack:
            locks: dict[str, _locks.Lock | None] = {}

            if write and settings.lock:
                for name in sorted(environments):
                    context = environments[name].get_context()
                    lock = _locks.acquire(
                        name,
                        _async.engine_for(self.targets[name]),
                        context.version_table,
                        context.version_table_schema,
                        settings.lock_timeout,
                    )

                    if lock is not None:
                        stack.callback(lock.release)

                    locks[name] = lock

            try:
                _migrate.run_migrations(
                    environments,
                    fn,
                    multidb=self.targets.multidb,
                    locks=locks,
                    savepoints=settings.transaction_mode == "savepoint",
                    mutate=write,
                    repair=repair,
                    two_phase=self._two_phase(write),
                    progress=self.progress,
                    **kwargs,
                )
            except MigrationError as e:
                if not self.targets.multidb:
                    raise

                raise MigrationError(
                    f"{e} Databases now at: {self._positions()}.",
                    database=e.database,
                    revision=e.revision,
                ) from e.__cause__

    # Reading

    def mkdir(self) -> None:
        """Create the migrations folder, its template (Alembic's ``generic``
        for one database, ``multidb`` for several) and every version folder,
        where they do not exist.
        """
        make_directories(
            self.settings.script_location,
            [p for _, p in self.settings.version_locations],
            multidb=len(self.database_names) > 1,
        )

    @_async.operation
    def current(self) -> tuple[Revision, ...]:
        """The current revisions of the primary database."""
        return self.current_by_database()[self.targets.primary]

    @_saves_cache
    @_async.operation
    def current_by_database(self) -> dict[str, tuple[Revision, ...]]:
        """The current revisions of each database, by name."""
        targets = self.targets  # Reports missing engines or metadata first.
        graph = self.revision_graph
        bound = _async.scope(self._scope).get(self)
        result = {}

        for name in self.selected_names:
            opts = self.settings.context_options_for(name)
            table = opts.get("version_table") or "alembic_version"
            schema = opts.get("version_table_schema")

            if bound is not None and bound.environments:
                # Read on the connection this scope already holds, which may
                # be inside a transaction that changed the version table.
                connection = bound.environments[name].get_context().connection
                ids = version_rows(connection, table, schema)
            else:
                engine = _async.engine_for(targets[name])

                with connect(name, engine) as connection:
                    ids = version_rows(connection, table, schema)

            missing = [i for i in ids if i not in graph]

            if missing:
                raise revision_error(
                    f"Can't locate revision identified by {missing[0]!r}: database"
                    f" {name!r} is at a revision the migrations folder does not"
                    " have. Restore its file, or record the right revision with"
                    " 'stamp --purge'."
                )

            result[name] = tuple(graph[i] for i in ids)

        return result

    @_async.operation
    def needs_upgrade(self) -> bool:
        """Whether any database is not at all head revisions."""
        return bool(self.behind_heads())

    @_async.operation
    def behind_heads(self) -> dict[str, tuple[Revision, ...]]:
        """The databases that are not at all head revisions, with their
        current revisions.
        """
        heads = set(self.revision_graph.heads)
        return {
            name: current
            for name, current in self.current_by_database().items()
            if {s.revision for s in current} != heads
        }

    @_saves_cache
    def heads(self, resolve_dependencies: bool = False) -> tuple[Revision, ...]:
        """The revisions that have no child revisions.

        :param resolve_dependencies: Treat dependencies as down revisions.
        """
        graph = self.revision_graph
        ids = graph.real_heads if resolve_dependencies else graph.heads
        return tuple(graph[i] for i in ids)

    @_saves_cache
    def branches(self) -> list[Revision]:
        """The revisions that have more than one next revision, newest
        first.
        """
        graph = self.revision_graph

        if not any(r.is_branch_point for r in graph.revisions.values()):
            return []

        return [r for r in self.log() if r.is_branch_point]

    @_saves_cache
    def log(
        self, start: RevisionArg = "base", end: RevisionArg = "heads"
    ) -> list[Revision]:
        """The revisions between two revisions, newest first.

        :param start: Oldest revision to include.
        :param end: Newest revision to include.
        """
        start_ids = self._with_current(revision_ids(start))
        end_ids = self._with_current(revision_ids(end))

        # walk_revisions is typed for one id each, but takes lists too.
        base: t.Any = _scalar(start_ids)
        head: t.Any = _scalar(end_ids)
        graph = self.revision_graph

        with translate_alembic_errors():
            return [
                graph[s.revision]
                for s in self.script_directory.walk_revisions(base, head)
            ]

    @_saves_cache
    def show(self, revisions: RevisionArg) -> tuple[Revision, ...]:
        """Look up revisions by id, prefix or symbol.

        :param revisions: What to look up; ``current`` means the primary
            database's current revisions.
        """
        ids = self._with_current(revision_ids(revisions))
        graph = self.revision_graph
        found = graph.get(ids)

        if found is not None:
            return found

        with translate_alembic_errors():
            return tuple(
                graph[s.revision]
                for s in self.script_directory.get_revisions(ids)
                if s is not None
            )

    # Changing databases

    @_saves_cache
    @_async.operation
    def stamp(self, target: RevisionArg = "heads", *, purge: bool = False) -> None:
        """Record revisions as current without running them.

        :param target: Revisions to record.
        :param purge: Empty the version table first, for a table that names
            revisions that no longer exist.
        """
        from . import _migrate

        script = self.script_directory
        steps = _migrate.stamp_steps(script, revision_ids(target))

        with _migrate.purging(self._selected(self.migration_contexts).values(), purge):
            self._run(steps, write=True, repair=True)

    @_saves_cache
    @_async.operation
    def upgrade(self, target: TargetArg = "heads") -> None:
        """Run revisions to upgrade every database.

        :param target: Revision to go up to, or a number of steps.
        """
        from . import _migrate

        script = self.script_directory
        self._check_template()
        self.run_migrations(
            _migrate.upgrade_steps(script, step_target(script, target, down=False))
        )

    @_saves_cache
    @_async.operation
    def downgrade(self, target: TargetArg = -1) -> None:
        """Run revisions to downgrade every database.

        :param target: Revision to go down to, or a number of steps down.
        """
        from . import _migrate

        script = self.script_directory
        self._check_template()
        dest = step_target(script, target, down=True)

        if isinstance(dest, list):
            raise revision_error("Downgrade takes one target revision, not several.")

        self.run_migrations(_migrate.downgrade_steps(script, dest))

    # Offline SQL scripts

    @_saves_cache
    def upgrade_sql(
        self,
        target: TargetArg = "heads",
        *,
        start: RevisionArg | None = None,
        tag: str | None = None,
    ) -> dict[str, str]:
        """The SQL an upgrade would run, as a script for each database,
        without connecting to any: only each engine's URL is used, to know
        the dialect. Revision files can tell with
        ``context.is_offline_mode()``.

        :param target: Revision to go up to, or a number of steps. A
            ``"FROM:TO"`` string gives ``start`` too, as Alembic's
            ``upgrade --sql`` takes it.
        :param start: Revision the databases are taken to be at. By default
            an empty database, and the script creates the version table.
        :param tag: Readable in revision files as
            ``context.get_tag_argument()``.
        :return: The script of each selected database, by name.

        .. versionadded:: 4.0
        """
        from ._offline import upgrade_sql

        return upgrade_sql(self, target, start, tag)

    @_saves_cache
    def downgrade_sql(
        self,
        target: TargetArg,
        *,
        start: RevisionArg | None = None,
        tag: str | None = None,
    ) -> dict[str, str]:
        """The SQL a downgrade would run, as a script for each database,
        without connecting to any. The revision the databases are at must be
        given, as ``start`` or in a ``"FROM:TO"`` target such as
        ``"head:base"``.

        :param target: Revision to go down to, or a number of steps down.
        :param start: Revision the databases are taken to be at.
        :param tag: Readable in revision files as
            ``context.get_tag_argument()``.
        :return: The script of each selected database, by name.

        .. versionadded:: 4.0
        """
        from ._offline import downgrade_sql

        return downgrade_sql(self, target, start, tag)

    @_saves_cache
    def stamp_sql(
        self,
        target: RevisionArg = "heads",
        *,
        start: RevisionArg | None = None,
        tag: str | None = None,
    ) -> dict[str, str]:
        """The SQL that records revisions as current without running them,
        as a script for each database, without connecting to any.

        :param target: Revisions to record. A ``"FROM:TO"`` string gives
            ``start`` too.
        :param start: Revisions the databases are taken to be at. By default
            an empty database, and the script creates the version table.
        :param tag: Readable in revision files as
            ``context.get_tag_argument()``.
        :return: The script of each selected database, by name.

        .. versionadded:: 4.0
        """
        from ._offline import stamp_sql

        return stamp_sql(self, target, start, tag)

    @_saves_cache
    @_async.operation
    def plan(
        self, target: TargetArg = "heads", *, down: bool = False
    ) -> dict[str, list[Script]]:
        """The revisions an upgrade (or, with ``down``, a downgrade) to
        ``target`` would run on each database, in order, without taking the
        lock or changing anything.

        :param target: As for :meth:`upgrade` or :meth:`downgrade`.
        :param down: Plan a downgrade.
        """
        from . import _migrate

        script = self.script_directory
        dest = step_target(script, target, down=down)

        if down:
            if isinstance(dest, list):
                raise revision_error(
                    "Downgrade takes one target revision, not several."
                )

            steps = _migrate.downgrade_steps(script, dest)
        else:
            steps = _migrate.upgrade_steps(script, dest)

        result = {}

        for name, current in self.current_by_database().items():
            with translate_alembic_errors():
                planned = steps(tuple(s.revision for s in current), None)  # type: ignore[arg-type]

            result[name] = [step.revision for step in planned]  # type: ignore[attr-defined]

        return result

    @_saves_cache
    def wait_for_head(self, timeout: float, *, interval: float = 1.0) -> bool:
        """Wait until every database is at head, for example while another
        process upgrades them. Only reads, so it never holds up the
        migrating process. A database that cannot be reached yet counts as
        not at head.

        :param timeout: Seconds to wait at most.
        :param interval: Seconds between checks.
        :return: Whether every database reached head in time.
        """
        deadline = time.monotonic() + timeout

        while True:
            try:
                if not self.behind_heads():
                    return True
            except (DatabaseUnavailableError, sa.exc.DBAPIError):
                self.close()  # Reconnect on the next try.

            remaining = deadline - time.monotonic()

            if remaining <= 0:
                return False

            time.sleep(min(interval, remaining))

    # Writing revisions

    @_saves_cache
    @_async.operation
    def revision(
        self,
        message: str | None,
        empty: bool = False,
        branch: str = "default",
        parent: RevisionArg = "head",
        splice: bool = False,
        depend: RevisionArg | None = None,
        label: str | t.Sequence[str] | None = None,
        path: str | os.PathLike[str] | None = None,
        *,
        rev_id: str | None = None,
        skip_empty: bool = False,
    ) -> list[Script | None]:
        """Create a revision. Its operations are autogenerated by comparing
        the metadata with the databases, unless ``empty``.

        :param message: Description of the revision. ``None`` writes
            "empty message"; an empty string is refused.
        :param empty: Do not autogenerate operations.
        :param branch: Independent branch to add to. A branch that does not
            exist yet starts from ``base`` with this label, in the branch's
            configured version location. Empty for no branch handling.
        :param parent: Parent revisions.
        :param splice: Allow a parent that is not a head.
        :param depend: Revisions this one depends on.
        :param label: Branch labels for this revision.
        :param path: Folder to write to; relative to the settings' root.
        :param rev_id: Id of the new revision instead of a generated one.
        :param skip_empty: When autogenerate finds no changes, write nothing
            and return an empty list. By default the revision is written
            anyway, as Flask-Alembic 3.x did.
        :return: The new revisions.
        """
        from ._writing import plan_revision
        from ._writing import write_revision

        if _selection.get() is not None:
            raise ConfigurationError(
                "A revision covers every database; choosing databases does not"
                " apply to it."
            )

        self._check_template()
        plan = plan_revision(self, message, branch, parent, depend, label, path)
        return write_revision(
            self, plan, empty=empty, splice=splice, rev_id=rev_id, skip_empty=skip_empty
        )

    @_saves_cache
    def merge(
        self,
        revisions: RevisionArg = "heads",
        message: str | None = None,
        label: str | t.Sequence[str] | None = None,
        *,
        rev_id: str | None = None,
    ) -> Script | None:
        """Create a revision that merges several heads.

        :param revisions: Revisions to merge.
        :param message: Description; defaults to naming the merged revisions.
        :param label: Branch labels for this revision.
        :param rev_id: Id of the new revision instead of a generated one.
        """
        from ._writing import write_merge

        return write_merge(self, revisions, message, label, rev_id)

    # Comparing models and databases

    @_async.operation
    def produce_migrations(self) -> MigrationScript:
        """The :class:`~alembic.operations.ops.MigrationScript` a new
        revision would be rendered from. With several databases, its
        ``upgrade_ops_list`` has one entry per database, in order.
        """
        from alembic.autogenerate import produce_migrations

        scripts = []

        for context in self._selected(self.migration_contexts).values():
            with reading(context):
                scripts.append(
                    produce_migrations(context, context.opts["target_metadata"])
                )

        script = scripts[0]

        if len(scripts) > 1:
            script.upgrade_ops = [s.upgrade_ops for s in scripts]  # type: ignore[misc]
            script.downgrade_ops = [s.downgrade_ops for s in scripts]  # type: ignore[misc]

        return script

    @_async.operation
    def compare_metadata(self) -> list[t.Any] | dict[str, list[t.Any]]:
        """The differences between the metadata and the databases, as
        Alembic's diff tuples. A list for one database; for several, a dict
        of database name to list.
        """
        diffs = self.diffs_by_database()

        if not self.targets.multidb:
            return diffs[self.targets.primary]

        return diffs

    @_async.operation
    def diffs_by_database(self) -> dict[str, list[t.Any]]:
        """The differences between the metadata and each database, by name."""
        script = self.produce_migrations()
        return {
            name: ops.as_diffs()
            for name, ops in zip(
                self.selected_names, script.upgrade_ops_list, strict=True
            )
        }

    @_saves_cache
    @_async.operation
    def check(self) -> dict[str, list[t.Any]]:
        """Compare the metadata with each database as a new revision would,
        after the ``process_revision_directives`` hook, without writing
        anything.

        :return: Alembic's diff tuples for each database, by name; all empty
            when the models match.
        :raises RevisionError: If a database is not at head: upgrade it first.
        """
        from ._writing import autogenerate_diffs

        return autogenerate_diffs(self)

    @contextmanager
    def x_arguments(self, values: t.Sequence[str]) -> t.Iterator[None]:
        """Make ``key=value`` strings readable in revision files through
        ``context.get_x_argument()`` while the block runs, like Alembic's
        ``-x`` option.

        :param values: ``key=value`` strings.
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

    @_async.operation
    def needs_revision(self) -> bool:
        """Whether the metadata differs from any database."""
        return any(self.diffs_by_database().values())

    # Internals

    def _bound(self) -> Bound:
        scope = _async.scope(self._scope)
        bound = scope.get(self)

        if bound is None:
            bound = scope[self] = Bound()

            try:
                bound.connect(self)
            except BaseException:
                scope.pop(self, None)
                bound.close()
                raise

        return t.cast(Bound, bound)

    @property
    def selected_names(self) -> list[str]:
        """The databases commands work on: all, or those chosen with
        :meth:`selecting`.
        """
        chosen = _selection.get()
        return [n for n in self.database_names if chosen is None or n in chosen]

    @contextmanager
    def selecting(self, names: t.Iterable[str] | None) -> t.Iterator[None]:
        """Limit what the block does to some of the databases, like ``--db``
        on the command line. ``None`` or no names means all.

        :param names: Database names.
        """
        chosen = frozenset(names or ())

        if not chosen:
            yield
            return

        unknown = sorted(chosen - set(self.database_names))

        if unknown:
            raise ConfigurationError(
                f"No database named {', '.join(repr(n) for n in unknown)}; the"
                f" databases are {', '.join(repr(n) for n in self.database_names)}."
            )

        token = _selection.set(chosen)

        try:
            yield
        finally:
            _selection.reset(token)

    def _selected(self, items: t.Mapping[str, _T]) -> dict[str, _T]:
        chosen = _selection.get()
        return {n: v for n, v in items.items() if chosen is None or n in chosen}

    def _two_phase(self, write: bool) -> bool:
        if not (write and self.settings.two_phase and self.targets.multidb):
            return False

        others = [
            f"{name!r} ({target.engine.dialect.name})"
            for name, target in self.targets.items()
            if target.engine.dialect.name != "postgresql"
        ]

        if others:
            raise ConfigurationError(
                "The 'two_phase' setting needs every database to be PostgreSQL;"
                f" {', '.join(others)} cannot prepare a transaction holding DDL."
                " Turn 'two_phase' off."
            )

        return True

    def _positions(self) -> str:
        """Where each database stands, for an error message."""
        try:
            current = self.current_by_database()
        except Exception:  # The error being reported matters more.
            return "unknown"

        return ", ".join(
            f"{name} {', '.join(s.revision for s in scripts) or '<base>'}"
            for name, scripts in current.items()
        )

    def _with_current(self, ids: list[str]) -> list[str]:
        if "current" not in ids:
            return ids

        return replace_current(ids, [s.revision for s in self.current()])

    def _check_template(self) -> None:
        check_template(self.settings.script_location, list(self.targets))


def _scalar(ids: list[str]) -> str | list[str]:
    return ids[0] if len(ids) == 1 else ids
