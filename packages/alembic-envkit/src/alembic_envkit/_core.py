"""The state every part of an environment shares: settings, targets,
connections per scope, the database selection and the Alembic config.
"""

from __future__ import annotations

import threading
import typing as t
from contextlib import contextmanager
from contextvars import ContextVar

from . import _async
from ._connections import Scope
from ._connections import ThreadScope
from ._errors import ConfigurationError
from ._revisions import new_rev_id
from ._settings import Settings
from ._targets import Targets

if t.TYPE_CHECKING:
    from alembic.config import Config
    from alembic.runtime.environment import EnvironmentContext
    from alembic.script import ScriptDirectory

    from . import _migrate
    from ._graph import RevisionGraph
    from ._scan import File
    from ._scan import Scan

_T = t.TypeVar("_T")

#: The databases chosen with Environment.selecting, for the running block.
selection: ContextVar[frozenset[str] | None] = ContextVar(
    "alembic_envkit_selection", default=None
)


class EnvironmentCore:
    """The base of :class:`.Environment`: its state and what every part of it
    uses. See :class:`.Environment` for the parameters.
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
        #: Whether a file changed too close to the graph's read to trust it.
        self._graph_racy = False
        self._headers: list[t.Any] = []
        self._unsaved: Scan | None = None
        self._env: EnvironmentContext | None = None
        #: Called with a :class:`.MigrationEvent` as each revision starts
        #: and when it is done, on every database; ``None`` for no reports.
        self.progress: t.Callable[[_migrate.MigrationEvent], None] | None = None

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

    def _selected(self, items: t.Mapping[str, _T]) -> dict[str, _T]:
        chosen = selection.get()
        return {n: v for n, v in items.items() if chosen is None or n in chosen}
