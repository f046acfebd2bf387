"""The base of :class:`.Environment`: it builds the collaborators (the
history and the connections), chooses databases, and gives out Alembic's own
objects. The commands are in ``_environment``; neither holds logic of its
own beyond handing each call to a collaborator or a runner.
"""

from __future__ import annotations

import typing as t
from contextlib import contextmanager
from contextvars import ContextVar

from . import history as _history
from . import run as _run
from ._errors import ConfigurationError
from ._errors import revision_error
from .history import History
from .history import saves_cache
from .run import Connections
from .run import operation
from .run import Scope
from .settings import LazyTargets
from .settings import Settings
from .settings import Targets

if t.TYPE_CHECKING:
    from alembic.config import Config
    from alembic.operations import MigrationScript
    from alembic.operations import Operations
    from alembic.runtime.environment import EnvironmentContext
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    from .history import RevisionGraph
    from .run import MigrationEvent
    from .run import StepsFn

_T = t.TypeVar("_T")
_P = t.ParamSpec("_P")

#: The databases chosen with Environment.selecting, for the running block.
selection: ContextVar[frozenset[str] | None] = ContextVar(
    "alembic_envkit_selection", default=None
)


class BaseEnvironment:
    """An Alembic migration environment without its commands; see
    :class:`.Environment`, which adds them, for the parameters.
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
        self._targets = LazyTargets(targets, database_names)
        self._rev_id = rev_id or _history.new_rev_id
        self.history = History(settings, self._targets)
        self.connections = Connections(settings, self._targets, self.history, scope)
        self.tenancy = _run.Tenancy(settings, self._targets, self.history)
        self._env: EnvironmentContext | None = None
        #: Called with a :class:`.MigrationEvent` as each revision starts
        #: and when it is done, on every database; ``None`` for no reports.
        self.progress: t.Callable[[MigrationEvent], None] | None = None

    # The databases

    @property
    def targets(self) -> Targets:
        """The databases this environment migrates."""
        return self._targets.get()

    @property
    def database_names(self) -> list[str]:
        """The names of the configured databases, in order. Several select
        Alembic's ``multidb`` template.
        """
        return self._targets.names()

    @property
    def selected_names(self) -> list[str]:
        """The databases commands work on: all, or those chosen with
        :meth:`selecting`.
        """
        chosen = selection.get()
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

        token = selection.set(chosen)

        try:
            yield
        finally:
            selection.reset(token)

    def close(self) -> None:
        """Close the connections opened in the current scope. Alembic objects
        stay cached; new connections are opened on next use.
        """
        self.connections.close()

    async def run_async(
        self, fn: t.Callable[_P, _T], /, *args: _P.args, **kwargs: _P.kwargs
    ) -> _T:
        """Call a method of this environment (or any function that uses it)
        from async code, for example ``await env.run_async(env.upgrade)``.
        Async engines' drivers wait on the running event loop; sync engines'
        drivers block it while they work. The connections opened are closed
        before this returns.

        .. versionadded:: 0.1
        """
        return await _run.run_async(fn, *args, **kwargs)

    # Alembic's objects

    @property
    def config(self) -> Config:
        """The Alembic :class:`~alembic.config.Config`, in memory."""
        return self.history.config

    @property
    def revision_graph(self) -> RevisionGraph:
        """The revisions, read from the files' headers without running them
        or importing Alembic. Re-read when a revision file is added, removed
        or changed; what was read is cached beside the files, in
        ``__pycache__``.

        .. versionadded:: 4.0
        """
        return self.history.graph

    @property
    def script_directory(self) -> ScriptDirectory:
        """The Alembic :class:`~alembic.script.ScriptDirectory`. Rebuilt when
        a revision file is added, removed or changed. A revision file is
        imported only when it runs or its module is asked for.
        """
        return self.history.script_directory

    @property
    def environment_context(self) -> EnvironmentContext:
        """An Alembic
        :class:`~alembic.runtime.environment.EnvironmentContext` for this
        configuration. Each database's migration context is configured on an
        environment context of its own, see :attr:`migration_contexts`.
        """
        # Imports Alembic's runtime, which reading revisions never needs.
        from alembic.runtime.environment import EnvironmentContext

        script = self.script_directory

        if self._env is None or self._env.script is not script:
            self._env = EnvironmentContext(self.config, script)

        return self._env

    @property
    def migration_contexts(self) -> dict[str, MigrationContext]:
        """The Alembic
        :class:`~alembic.runtime.migration.MigrationContext` of each database,
        connected in the current scope.
        """
        return self.connections.contexts(self.database_names)

    @property
    def migration_context(self) -> MigrationContext:
        """The migration context of the primary database: ``"default"``, or
        the only or first configured one.
        """
        return self.migration_contexts[self.targets.primary]

    @property
    def ops(self) -> dict[str, Operations]:
        """An Alembic :class:`~alembic.operations.Operations` for each
        database, bound to that database's migration context. Used from
        Python outside a revision, each operation (or ``batch_alter_table``
        block) is committed as soon as it has run.
        """
        bound = self.connections.bound()

        if bound.ops is None:
            bound.ops = {
                name: _run.CommittingOperations(env.get_context())
                for name, env in bound.environments.items()
            }

        return bound.ops

    @property
    def op(self) -> Operations:
        """The :class:`~alembic.operations.Operations` of the primary
        database.
        """
        return self.ops[self.targets.primary]

    @operation
    def produce_migrations(self) -> MigrationScript:
        """The :class:`~alembic.operations.ops.MigrationScript` a new
        revision would be rendered from. With several databases, its
        ``upgrade_ops_list`` has one entry per database, in order, each with
        the tokens of the ``multidb`` template (``<name>_upgrades``).
        """
        return _run.produce_migrations(self.connections, self.selected_names)

    @operation
    def compare_metadata(self) -> list[t.Any] | dict[str, list[t.Any]]:
        """The differences between the metadata and the databases, as
        Alembic's diff tuples. A list for one database; for several, a dict
        of database name to list.
        """
        diffs = self.diffs_by_database()

        if not self.targets.multidb:
            return diffs[self.targets.primary]

        return diffs

    @operation
    def diffs_by_database(self) -> dict[str, list[t.Any]]:
        """The differences between the metadata and each database, by name."""
        return _run.diffs_by_database(self.connections, self.selected_names)

    @operation
    def needs_revision(self) -> bool:
        """Whether the metadata differs from any database, as autogenerate
        compares them: the tables, columns, indexes and constraints the
        metadata declares against those the database has now. The revision
        files are not looked at, so a database that is behind (a fresh one
        included) differs until it is upgraded: call :meth:`upgrade` first,
        and :meth:`revision`, which needs every database at its head, only
        then.
        """
        return any(self.diffs_by_database().values())

    @saves_cache
    @operation
    def run_migrations(self, fn: StepsFn, **kwargs: t.Any) -> None:
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
        _run.migrate(
            self.history,
            self.connections,
            fn,
            names=self.selected_names,
            write=True,
            progress=self.progress,
            **kwargs,
        )

    @contextmanager
    def x_arguments(self, values: t.Sequence[str]) -> t.Iterator[None]:
        """Make ``key=value`` strings readable in revision files through
        ``context.get_x_argument()`` while the block runs, like Alembic's
        ``-x`` option.

        :param values: ``key=value`` strings.
        """
        with self.history.x_arguments(values):
            yield

    @contextmanager
    def command(self) -> t.Iterator[None]:
        """Run a block as one command: the cache of what was read from the
        revision files is written once, when the block succeeds. The
        command line runs each command this way; a method called outside
        such a block saves the cache when it succeeds.

        .. versionadded:: 4.0
        """
        with self.history.command():
            yield

    def _offline(self) -> tuple[History, t.Any, list[str]]:
        return self.history, self.targets, self.selected_names

    def _run_options(self, **extra: t.Any) -> dict[str, t.Any]:
        return {"names": self.selected_names, "progress": self.progress, **extra}

    def mkdir(self) -> None:
        """Create the migrations folder, its template (Alembic's ``generic``
        for one database, ``multidb`` for several) and every version folder,
        where they do not exist.
        """
        self.history.mkdir()

    @saves_cache
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


class EnvironmentPart:
    """A group of an environment's commands, reached as an attribute of it
    (``env.snapshots``, ``env.tenants``), working on its history and
    databases.
    """

    def __init__(self, environment: BaseEnvironment) -> None:
        self._environment = environment

    @property
    def history(self) -> History:
        return self._environment.history

    @property
    def targets(self) -> Targets:
        """The environment's databases."""
        return self._environment.targets
