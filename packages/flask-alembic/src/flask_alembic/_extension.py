"""The Flask extension: app.config in, an alembic_envkit Environment out."""

from __future__ import annotations

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
from alembic_envkit import Settings
from alembic_envkit import Targets

from ._adapters import find_adapter
from ._api import MigrationAPI
from ._cli import make_cli
from ._compat import _Cache
from ._compat import check_flask_migrate_folder

if t.TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncEngine

_SCOPE_KEY = "_flask_alembic_connections"


class Alembic(MigrationAPI):
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
                    # An environment of its own, not the one cached for the
                    # app: it only makes the folders, from the database
                    # names, and never resolves the engines.
                    self._make_environment(app, _settings(app)).mkdir()
                except ConfigurationError:
                    # Reported as one line by the first command or use of the
                    # environment; importing the app must not fail for it.
                    pass

        if self.command_name:
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
            state.env = self._make_environment(app, settings)

        return state.env

    def _make_environment(self, app: Flask, settings: Settings) -> Environment:
        """An environment for the app, whose engines and metadata are looked
        up on first use, and whose connections live in the app context.
        """
        check_flask_migrate_folder(app, settings)
        return Environment(
            settings,
            lambda: self._targets(app),
            rev_id=lambda: self.rev_id(),
            scope=_app_context_scope,
            database_names=lambda: self._metadata_names(app),
        )

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
