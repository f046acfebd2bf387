"""Alembic's own objects of the current app's environment, under the names
Flask-Alembic 3.x gave them: every member delegates to
:attr:`.Alembic.environment`.
"""

from __future__ import annotations

import typing as t

if t.TYPE_CHECKING:
    from alembic.config import Config
    from alembic.operations import MigrationScript
    from alembic.operations import Operations
    from alembic.runtime.environment import EnvironmentContext
    from alembic.runtime.migration import MigrationContext
    from alembic.runtime.migration import MigrationStep
    from alembic.script import ScriptDirectory

    from alembic_envkit import Environment

_T = t.TypeVar("_T")
_P = t.ParamSpec("_P")


class AlembicObjects:
    """The Alembic objects of :class:`.Alembic`, each
    one delegating to the current app's :attr:`environment`, with the same
    parameters and return type as :class:`alembic_envkit.Environment`'s
    (a test holds them to it). 3.x's short names ``script``, ``env`` and
    ``context`` stay beside ``script_directory``, ``environment_context``
    and ``migration_context``.
    """

    @property
    def environment(self) -> Environment:
        """The environment of the current app, see
        :attr:`.Alembic.environment`.
        """
        raise NotImplementedError

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
            [str | t.Sequence[str], MigrationContext], t.Iterable[MigrationStep]
        ],
        **kwargs: t.Any,
    ) -> None:
        """Run a work function on every database, as ``env.py`` would. The
        function is given the current heads and the same context as
        :attr:`migration_contexts` holds.

        :param fn: Returns the steps to run.
        :param kwargs: Passed to each revision's ``upgrade`` or ``downgrade``.

        .. versionchanged:: 4.0
            ``fn`` is typed as taking any sequence of heads, as Alembic's
            work functions do.
        """
        self.environment.run_migrations(fn, **kwargs)

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
