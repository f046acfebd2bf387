"""Alembic's own objects for an environment, built on first use: the
config, the environment and migration contexts, and operations.
"""

from __future__ import annotations

import typing as t
from contextlib import contextmanager

from . import _async
from ._connections import Bound
from ._revision_files import RevisionFiles

if t.TYPE_CHECKING:
    from alembic.operations import Operations
    from alembic.runtime.environment import EnvironmentContext
    from alembic.runtime.migration import MigrationContext


_T = t.TypeVar("_T")


class AlembicObjects(RevisionFiles):
    """Alembic's objects, for code written against Alembic's API."""

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
        database, bound to that database's migration context. Used from
        Python outside a revision, each operation (or ``batch_alter_table``
        block) is committed as soon as it has run.
        """
        from ._operations import CommittingOperations

        bound = self._bound()

        if bound.ops is None:
            bound.ops = {
                name: CommittingOperations(env.get_context())
                for name, env in bound.environments.items()
            }

        return bound.ops

    @property
    def op(self) -> Operations:
        """The :class:`~alembic.operations.Operations` of the primary
        database.
        """
        return self.ops[self.targets.primary]

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
