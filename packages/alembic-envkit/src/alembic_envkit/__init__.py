"""An in-memory Alembic migration environment built from plain Python
settings: no ``alembic.ini``, no ``env.py``.

PYTEST_DONT_REWRITE: pytest loads ``alembic_envkit.testing`` as a plugin;
this marker keeps it from warning when the package was imported first.
"""

import typing as t

from ._connections import close_scope
from ._connections import Scope
from ._environment import Environment
from ._errors import ConfigurationError
from ._errors import DatabaseUnavailableError
from ._errors import EnvkitError
from ._errors import EventLoopError
from ._errors import LockError
from ._errors import MigrationError
from ._errors import TemplateMismatchError
from ._graph import Revision
from ._graph import RevisionGraph
from ._revisions import new_rev_id
from ._revisions import RevisionArg
from ._revisions import TargetArg
from ._settings import Settings
from ._targets import EngineArg
from ._targets import MetadataArg
from ._targets import Target
from ._targets import Targets

if t.TYPE_CHECKING:
    from ._errors import RevisionError
    from ._migrate import MigrationEvent
    from .cli import make_group
else:

    def __getattr__(name: str) -> t.Any:
        # Importing these imports Alembic, which reading revisions and the
        # command line's help never need.
        if name == "RevisionError":
            from ._errors import RevisionError

            return RevisionError

        if name == "MigrationEvent":
            from ._migrate import MigrationEvent

            return MigrationEvent

        if name == "make_group":
            # The command line imports click, which an application that only
            # uses the API never needs.
            from .cli import make_group

            return make_group

        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    # The public names, including those loaded on first use, without the
    # private modules and the typing module this file imports.
    return sorted(__all__)


__all__ = [
    "ConfigurationError",
    "DatabaseUnavailableError",
    "EngineArg",
    "Environment",
    "EnvkitError",
    "EventLoopError",
    "LockError",
    "MetadataArg",
    "MigrationError",
    "MigrationEvent",
    "Revision",
    "RevisionArg",
    "RevisionError",
    "RevisionGraph",
    "Scope",
    "Settings",
    "Target",
    "TargetArg",
    "Targets",
    "TemplateMismatchError",
    "close_scope",
    "make_group",
    "new_rev_id",
]
