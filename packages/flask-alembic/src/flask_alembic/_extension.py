"""The Flask extension: app.config in, an alembic_envkit Environment out."""

from __future__ import annotations

import os
import typing as t
from dataclasses import dataclass
from weakref import WeakKeyDictionary

import sqlalchemy as sa
from flask import current_app
from flask import Flask
from flask import g

from alembic_envkit import close_scope
from alembic_envkit import ConfigurationError
from alembic_envkit import EngineArg
from alembic_envkit import Environment
from alembic_envkit import new_rev_id
from alembic_envkit import Revision
from alembic_envkit import RevisionArg
from alembic_envkit import Settings
from alembic_envkit import TargetArg
from alembic_envkit import Targets

from ._adapters import find_adapter
from ._compat import _Cache
from ._compat import check_flask_migrate_folder

if t.TYPE_CHECKING:
    from alembic.config import Config
    from alembic.operations import MigrationScript
    from alembic.operations import Operations
    from alembic.runtime.environment import EnvironmentContext
    from alembic.runtime.migration import MigrationContext
    from alembic.runtime.migration import MigrationStep
    from alembic.script import Script
    from alembic.script import ScriptDirectory
    from sqlalchemy.ext.asyncio import AsyncEngine

_T = t.TypeVar("_T")
_P = t.ParamSpec("_P")

_SCOPE_KEY = "_flask_alembic_connections"


class Alembic:
    """Provide an Alembic environment and migration API for Flask apps,
    configured from ``app.config``.

    :param app: Call :meth:`init_app` on this app.
    :param run_mkdir: Create the migrations folder during ``init_app``.
    :param command_name: Register the ``flask`` command group under this name
        during ``init_app``, unless it is empty.
    :param metadatas: The :class:`~sqlalchemy.MetaData` to migrate: one, a
        list (named ``"default"``), or a dict mapping database names to one or
        a list. With Flask-SQLAlchemy, ``db.metadata`` is used if not given.
    :param engines: The engines to migrate, sync or async: one (named
        ``"default"``) or a dict keyed like ``metadatas``. With
        Flask-SQLAlchemy(-Lite), ``db.engines`` is used if not given (and
        Flask-SQLAlchemy-Lite's ``db.async_engines`` for the other names).

    Missing metadata or engines are reported when the environment is first
    used, not in ``init_app``, so an app factory may configure the database
    after registering this extension.

    .. versionchanged:: 4.0
        Built on alembic_envkit. Logging is no longer configured when the
        extension is created; the ``flask db`` commands show their progress
        on stderr.
    """

    def __init__(
        self,
        app: Flask | None = None,
        *,
        run_mkdir: bool = True,
        command_name: str = "db",
        metadatas: sa.MetaData
        | list[sa.MetaData]
        | dict[str, sa.MetaData | list[sa.MetaData]]
        | None = None,
        engines: EngineArg | None = None,
    ) -> None:
        self._states: WeakKeyDictionary[Flask, _State] = WeakKeyDictionary()
        self._cache: WeakKeyDictionary[Flask, _Cache] = WeakKeyDictionary()
        self.run_mkdir: bool = run_mkdir
        self.command_name: str = command_name
        self.metadatas: dict[str, sa.MetaData | list[sa.MetaData]]
        self.engines: dict[str, sa.Engine | AsyncEngine]

        if metadatas is None:
            self.metadatas = {}
        elif isinstance(metadatas, t.Mapping):
            self.metadatas = dict(metadatas)
        else:
            # One metadata, or any sequence of them (the core accepts tuples).
            self.metadatas = {"default": metadatas}

        if engines is None:
            self.engines = {}
        elif isinstance(engines, t.Mapping):
            self.engines = dict(engines)
        else:
            # One engine, sync or async.
            self.engines = {"default": engines}

        if app is not None:
            self.init_app(app)

    def init_app(self, app: Flask) -> None:
        """Register this extension on an app: set config defaults, create the
        migrations folder (if ``run_mkdir``), and add the command group.

        :param app: App to register.
        :raises RuntimeError: If an Alembic extension is already registered
            on the app.
        """
        if "alembic" in app.extensions:
            raise ConfigurationError(
                "An 'Alembic' extension is already registered on this app."
                " Use that instance instead of calling 'init_app' again."
            )

        config = app.config.setdefault("ALEMBIC", {})
        config.setdefault("script_location", "migrations")
        config.setdefault("version_locations", [])
        config.setdefault("path_separator", "os")
        context = app.config.setdefault("ALEMBIC_CONTEXT", {})
        context.setdefault("compare_server_default", True)

        app.extensions["alembic"] = self
        self._states[app] = _State()
        self._cache[app] = cache = _Cache()
        app.teardown_appcontext(_close_connections)
        app.teardown_appcontext(cache.clear)

        if self.run_mkdir:
            with app.app_context():
                try:
                    settings = _settings(app)
                    check_flask_migrate_folder(app, settings)
                    names = self._metadata_names(app)
                    # Only the names are needed to make the folders.
                    Environment(
                        settings,
                        lambda: self._targets(app),
                        database_names=lambda: names,
                    ).mkdir()
                except ConfigurationError:
                    # Reported as one line by the first command or use of the
                    # environment; importing the app must not fail for it.
                    pass

        if self.command_name:
            from ._cli import make_cli

            app.cli.add_command(make_cli(self.command_name))

    # The environment of the current app

    @property
    def environment(self) -> Environment:
        """The :class:`alembic_envkit.Environment` of the current app. It is
        rebuilt when ``ALEMBIC`` or ``ALEMBIC_CONTEXT`` change.

        .. versionadded:: 4.0
        """
        app = current_app._get_current_object()  # type: ignore[attr-defined]

        try:
            state = self._states[app]
        except KeyError:
            raise ConfigurationError(
                f"The current app {app.name!r} is not registered with this"
                " 'Alembic' instance. Call 'alembic.init_app(app)' first."
            ) from None

        settings = _settings(app)

        if state.env is None or state.env.settings != settings:
            check_flask_migrate_folder(app, settings)
            state.env = Environment(
                settings,
                lambda: self._targets(app),
                rev_id=lambda: self.rev_id(),
                scope=_app_context_scope,
                database_names=lambda: self._metadata_names(app),
            )

        return state.env

    def _metadata_names(self, app: Flask) -> list[str]:
        """The database names, known without engines, so that revisions can be
        read before (or without) a database being configured.
        """
        if self.metadatas:
            return list(self.metadatas)

        ext = app.extensions.get("sqlalchemy")

        if ext is None:
            return []

        try:
            adapter = find_adapter(ext)
        except ConfigurationError:
            # Reported on first use, like missing metadata, so that init_app
            # works in any order with the database setup.
            return []

        return list(Targets.normalize_metadatas(adapter.metadatas(ext)))

    def _unmigrated_binds(self) -> list[str]:
        """The databases of the current app's SQLAlchemy extension (for
        Flask-SQLAlchemy, its binds, with the default named ``"default"``)
        whose metadata holds tables that no configured database migrates.
        The ``flask db`` commands that write warn about them.
        """
        app = current_app._get_current_object()  # type: ignore[attr-defined]
        ext = app.extensions.get("sqlalchemy")

        if ext is None:
            return []

        try:
            adapter = find_adapter(ext)
            configured = self.metadatas or adapter.metadatas(ext) or {}
            migrated = {
                id(m)
                for value in Targets.normalize_metadatas(configured).values()
                for m in value
            }
            binds = adapter.bind_metadatas(ext)
        except ConfigurationError:
            return []  # Reported by the command itself.

        return [
            name
            for name, metadata in binds.items()
            if metadata.tables and id(metadata) not in migrated
        ]

    def _targets(self, app: Flask) -> Targets:
        ext = app.extensions.get("sqlalchemy")
        metadatas: t.Any = self.metadatas
        engines: t.Any = self.engines

        if not metadatas and ext is not None:
            metadatas = find_adapter(ext).metadatas(ext)

        if not metadatas:
            raise ConfigurationError(
                "No metadata to migrate: without Flask-SQLAlchemy, pass 'metadatas'"
                " when creating the Alembic extension (with Flask-SQLAlchemy,"
                " install 'flask-alembic[fsa]' to use db.metadata)."
            )

        if not engines and ext is not None:
            engines = find_adapter(ext).engines(ext)

        if not Targets.normalize_engines(engines):
            raise ConfigurationError(
                "No engines to migrate: use Flask-SQLAlchemy(-Lite) with engines"
                " configured (and 'flask-alembic[fsa]' or 'flask-alembic[lite]'"
                " installed), or pass 'engines' when creating the Alembic extension."
            )

        return Targets(metadatas, engines)

    def _get_cache(self) -> _Cache:
        """The object Flask-Alembic 3.x cached the current app's Alembic
        objects on, kept for subclasses that store their own there (such as
        an overridden :attr:`config`). Its fields start empty, and
        ``contexts`` and ``ops`` are emptied when the app context ends, as
        in 3.x. Nothing here reads it: the commands and methods use
        :attr:`environment`, built from ``ALEMBIC`` and ``ALEMBIC_CONTEXT``.

        .. versionchanged:: 4.0
            Kept for subclasses only; the extension's own objects live on
            :attr:`environment`.
        """
        app = current_app._get_current_object()  # type: ignore[attr-defined]

        try:
            return self._cache[app]
        except KeyError:
            raise ConfigurationError(
                f"The current app {app.name!r} is not registered with this"
                " 'Alembic' instance. Call 'alembic.init_app(app)' first."
            ) from None

    def rev_id(self) -> str:
        """Make the id of a new revision. By default, the UTC time to the
        millisecond, ``20261122T142530123``: unique even within one second,
        in creation order, and never all digits. Override this method, or
        assign a function to it, to change this.

        .. versionchanged:: 4.0
            Millisecond timestamp with a ``T``, never mistaken for a step
            count.
        """
        return new_rev_id()

    # Alembic objects, as in Flask-Alembic 3.x

    @property
    def config(self) -> Config:
        """The Alembic :class:`~alembic.config.Config` of the current app."""
        return self.environment.config

    @property
    def script_directory(self) -> ScriptDirectory:
        """The Alembic :class:`~alembic.script.ScriptDirectory` of the
        current app.
        """
        return self.environment.script_directory

    script = script_directory

    @property
    def environment_context(self) -> EnvironmentContext:
        """An Alembic
        :class:`~alembic.runtime.environment.EnvironmentContext` of the
        current app.
        """
        return self.environment.environment_context

    env = environment_context

    @property
    def migration_contexts(self) -> dict[str, MigrationContext]:
        """The Alembic :class:`~alembic.runtime.migration.MigrationContext`
        of each database. Connections are closed when the app context ends.
        """
        return self.environment.migration_contexts

    @property
    def migration_context(self) -> MigrationContext:
        """The migration context of the ``"default"`` database (or the only
        one configured).
        """
        return self.environment.migration_context

    context = migration_context

    @property
    def ops(self) -> dict[str, Operations]:
        """An Alembic :class:`~alembic.operations.Operations` for each
        database, bound to that database's context.
        """
        return self.environment.ops

    @property
    def op(self) -> Operations:
        """The :class:`~alembic.operations.Operations` of the ``"default"``
        database.
        """
        return self.environment.op

    def run_migrations(
        self,
        fn: t.Callable[
            [str | list[str] | tuple[str, ...], MigrationContext],
            t.Iterable[MigrationStep],
        ],
        **kwargs: t.Any,
    ) -> None:
        """Run a work function on every database, as ``env.py`` would. The
        function is given the current heads and the same context as
        :attr:`migration_contexts` holds.

        :param fn: Returns the steps to run.
        :param kwargs: Passed to each revision's ``upgrade`` or ``downgrade``.
        """
        self.environment.run_migrations(fn, **kwargs)  # type: ignore[arg-type]

    async def run_async(
        self, fn: t.Callable[_P, _T], /, *args: _P.args, **kwargs: _P.kwargs
    ) -> _T:
        """Call one of these methods from async code, for example in an
        async view: ``await alembic.run_async(alembic.upgrade)``. With async
        engines, a plain call inside a running event loop raises
        :exc:`~alembic_envkit.EventLoopError`. See
        :meth:`alembic_envkit.Environment.run_async`.

        :param fn: What to call, such as ``alembic.upgrade``.
        :param args: Its positional arguments.
        :param kwargs: Its keyword arguments.
        :return: What ``fn`` returns.

        .. versionadded:: 4.0
        """
        return await self.environment.run_async(fn, *args, **kwargs)

    # The migration API

    def mkdir(self) -> None:
        """Create the migrations folder, its template, and the version
        folders, where they do not exist.
        """
        self.environment.mkdir()

    def current(self) -> tuple[Revision, ...]:
        """The current revisions of the ``"default"`` database."""
        return self.environment.current()

    def current_by_database(self) -> dict[str, tuple[Revision, ...]]:
        """The current revisions of each database, by name.

        .. versionadded:: 4.0
        """
        return self.environment.current_by_database()

    def needs_upgrade(self) -> bool:
        """Whether any database is not at all head revisions."""
        return self.environment.needs_upgrade()

    def heads(self, resolve_dependencies: bool = False) -> tuple[Revision, ...]:
        """The revisions that have no child revisions.

        :param resolve_dependencies: Treat dependencies as down revisions.
        """
        return self.environment.heads(resolve_dependencies)

    def branches(self) -> list[Revision]:
        """The revisions that have more than one next revision."""
        return self.environment.branches()

    def log(
        self, start: RevisionArg = "base", end: RevisionArg = "heads"
    ) -> list[Revision]:
        """The revisions between two revisions, newest first.

        :param start: Oldest revision to include.
        :param end: Newest revision to include.
        """
        return self.environment.log(start, end)

    def show(self, revisions: RevisionArg) -> tuple[Revision, ...]:
        """Look up revisions by id, prefix or symbol.

        .. versionadded:: 4.0
        """
        return self.environment.show(revisions)

    def stamp(self, target: RevisionArg = "heads", *, purge: bool = False) -> None:
        """Record revisions as current without running migrations.

        :param target: Revisions to record.
        :param purge: Empty the version table first.

        .. versionchanged:: 4.0
            Added ``purge``.
        """
        self.environment.stamp(target, purge=purge)

    def upgrade(self, target: TargetArg = "heads") -> None:
        """Run migrations to upgrade every database.

        :param target: Revision to go up to, or a number of steps.
        """
        self.environment.upgrade(target)

    def downgrade(self, target: TargetArg = -1) -> None:
        """Run migrations to downgrade every database.

        :param target: Revision to go down to, or a number of steps down.
        """
        self.environment.downgrade(target)

    def upgrade_sql(
        self,
        target: TargetArg = "heads",
        *,
        start: RevisionArg | None = None,
        tag: str | None = None,
    ) -> dict[str, str]:
        """The SQL script of an upgrade for each database, made without
        connecting, see :meth:`.Environment.upgrade_sql`.

        .. versionadded:: 4.0
        """
        return self.environment.upgrade_sql(target, start=start, tag=tag)

    def downgrade_sql(
        self,
        target: TargetArg,
        *,
        start: RevisionArg | None = None,
        tag: str | None = None,
    ) -> dict[str, str]:
        """The SQL script of a downgrade for each database, made without
        connecting, see :meth:`.Environment.downgrade_sql`.

        .. versionadded:: 4.0
        """
        return self.environment.downgrade_sql(target, start=start, tag=tag)

    def stamp_sql(
        self,
        target: RevisionArg = "heads",
        *,
        start: RevisionArg | None = None,
        tag: str | None = None,
    ) -> dict[str, str]:
        """The SQL script of a stamp for each database, made without
        connecting, see :meth:`.Environment.stamp_sql`.

        .. versionadded:: 4.0
        """
        return self.environment.stamp_sql(target, start=start, tag=tag)

    def revision(
        self,
        message: str,
        empty: bool = False,
        branch: str = "default",
        parent: RevisionArg = "head",
        splice: bool = False,
        depend: RevisionArg | None = None,
        label: str | list[str] | None = None,
        path: str | os.PathLike[str] | None = None,
    ) -> list[Script | None]:
        """Create a revision, autogenerated from the models unless ``empty``.
        See :meth:`alembic_envkit.Environment.revision`. A relative ``path``
        is relative to ``app.root_path``.
        """
        return self.environment.revision(
            message, empty, branch, parent, splice, depend, label, path
        )

    def merge(
        self,
        revisions: RevisionArg = "heads",
        message: str | None = None,
        label: str | list[str] | None = None,
    ) -> Script | None:
        """Create a revision that merges several heads.

        :param revisions: Revisions to merge.
        :param message: Description; defaults to naming the revisions.
        :param label: Branch labels for the revision.
        """
        return self.environment.merge(revisions, message, label)

    def produce_migrations(self) -> MigrationScript:
        """The :class:`~alembic.operations.ops.MigrationScript` a new
        revision would be rendered from.
        """
        return self.environment.produce_migrations()

    def needs_revision(self) -> bool:
        """Whether the models differ from any database, as autogenerate
        compares them: the schema the models declare against the schema the
        database has now, not the revision files. A database that is behind
        differs until it is upgraded, so call :meth:`upgrade` first.
        """
        return self.environment.needs_revision()

    def compare_metadata(self) -> list[t.Any] | dict[str, list[t.Any]]:
        """The differences between the models and the database: a list of
        Alembic diff tuples for one database, a dict by name for several.
        """
        return self.environment.compare_metadata()


@dataclass
class _State:
    """What the extension keeps for one app."""

    env: Environment | None = None


def _settings(app: Flask) -> Settings:
    """The app's ``ALEMBIC`` and ``ALEMBIC_CONTEXT`` config, read now, with
    paths relative to its root path.
    """
    return Settings.from_mappings(
        app.config["ALEMBIC"], app.config["ALEMBIC_CONTEXT"], root=app.root_path
    )


def _app_context_scope() -> dict[t.Any, t.Any]:
    """Connections live in the app context's ``g``: one set per context,
    never shared between threads.
    """
    return t.cast(dict[t.Any, t.Any], g.setdefault(_SCOPE_KEY, {}))


def _close_connections(exc: BaseException | None = None) -> None:
    close_scope(g.pop(_SCOPE_KEY, {}))
