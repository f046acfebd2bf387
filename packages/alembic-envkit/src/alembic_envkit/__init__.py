"""An in-memory Alembic migration environment built from plain Python
settings: no ``alembic.ini``, no ``env.py``.

PYTEST_DONT_REWRITE: pytest marks every package of a plugin's distribution
for assertion rewriting, and warns when one was imported before the plugin
loads (``test_testing.py::test_plugin_imported_first``). This package has
no assertions to rewrite; the marker tells pytest so.
"""

import typing as t

from ._environment import Environment
from ._errors import ConfigurationError
from ._errors import DatabaseUnavailableError
from ._errors import EnvkitError
from ._errors import EventLoopError
from ._errors import LockError
from ._errors import MigrationError
from ._errors import TemplateMismatchError
from ._snapshots import Snapshots
from ._tenants import Tenants
from .history import Finding
from .history import new_rev_id
from .history import Rebased
from .history import Revision
from .history import RevisionArg
from .history import RevisionGraph
from .history import TargetArg
from .run import close_scope
from .run import Scope
from .run import TenantCheck
from .run import TenantLint
from .run import TenantProgress
from .run import TenantReport
from .run import TenantResult
from .run import TenantStatus
from .run import TenantVerification
from .settings import EngineArg
from .settings import MetadataArg
from .settings import Settings
from .settings import Target
from .settings import Targets
from .snapshot import Snapshot

if t.TYPE_CHECKING:
    from ._revision_error import RevisionError
    from .cli import make_group
    from .lint import LintFinding
    from .lint import LintReport
    from .run import MigrationEvent
else:

    def __getattr__(name: str) -> t.Any:
        # Importing these imports Alembic, which reading revisions and the
        # command line's help never need.
        if name == "RevisionError":
            from ._revision_error import RevisionError

            return RevisionError

        if name == "MigrationEvent":
            from .run import MigrationEvent

            return MigrationEvent

        if name in ("LintFinding", "LintReport"):
            # The linter imports sqlglot and Alembic, which only it needs.
            from . import lint

            return getattr(lint, name)

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
    "Finding",
    "LintFinding",
    "LintReport",
    "LockError",
    "MetadataArg",
    "MigrationError",
    "MigrationEvent",
    "Rebased",
    "Revision",
    "RevisionArg",
    "RevisionError",
    "RevisionGraph",
    "Scope",
    "Settings",
    "Snapshot",
    "Snapshots",
    "Target",
    "TargetArg",
    "Targets",
    "TemplateMismatchError",
    "TenantCheck",
    "TenantLint",
    "TenantProgress",
    "TenantReport",
    "TenantResult",
    "TenantStatus",
    "TenantVerification",
    "Tenants",
    "close_scope",
    "make_group",
    "new_rev_id",
]
