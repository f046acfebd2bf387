"""An in-memory Alembic migration environment built from plain Python
settings: no ``alembic.ini``, no ``env.py``.

PYTEST_DONT_REWRITE: pytest loads ``alembic_envkit.testing`` as a plugin;
this marker keeps it from warning when the package was imported first.
"""

from ._connections import Scope
from ._environment import Environment
from ._errors import ConfigurationError
from ._errors import DatabaseUnavailableError
from ._errors import EnvkitError
from ._errors import LockError
from ._errors import MigrationError
from ._errors import RevisionError
from ._errors import TemplateMismatchError
from ._migrate import MigrationEvent
from ._revisions import new_rev_id
from ._revisions import RevisionArg
from ._revisions import TargetArg
from ._settings import Settings
from ._targets import EngineArg
from ._targets import MetadataArg
from ._targets import Target
from ._targets import Targets

__all__ = [
    "ConfigurationError",
    "DatabaseUnavailableError",
    "EngineArg",
    "Environment",
    "EnvkitError",
    "LockError",
    "MetadataArg",
    "MigrationError",
    "MigrationEvent",
    "RevisionArg",
    "RevisionError",
    "Scope",
    "Settings",
    "Target",
    "TargetArg",
    "Targets",
    "TemplateMismatchError",
    "new_rev_id",
]
