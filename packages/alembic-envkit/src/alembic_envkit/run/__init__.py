"""Running: connections, locks, transactions, and the runners that upgrade,
downgrade, stamp, compare and write scripts, as functions over the history
and the connections.

Reading where databases stand imports nothing of Alembic; the names that
do are loaded on first use.
"""

import typing as t

from ._async import operation
from ._async import run_async
from ._connections import Bound
from ._connections import close_scope
from ._connections import Connections
from ._connections import Scope
from ._fanout import check_counts
from ._fanout import fan_out
from ._fanout import run_one
from ._fanout import TenantCallback
from ._ledger_check import ledger_findings
from ._ledger_check import rehash
from ._ledger_check import rehash_tenants
from ._reading import behind_heads
from ._reading import current_by_database
from ._reading import interrupted_by_database
from ._reading import rows_by_database
from ._reading import wait_for_head
from ._tenancy import Tenancy
from ._tenant_checks import check_tenants
from ._tenant_checks import lint_tenants
from ._tenant_checks import pending_by_tenant
from ._tenant_checks import TenantCheck
from ._tenant_checks import TenantLint
from ._tenant_checks import TenantVerification
from ._tenant_checks import verify_files
from ._tenant_checks import verify_tenants
from ._tenant_job import ACTIONS as TENANT_ACTIONS
from ._tenant_job import job
from ._tenant_report import TenantProgress
from ._tenant_report import TenantReport
from ._tenant_report import TenantResult
from ._tenant_sql import tenant_scripts
from ._tenant_status import tenant_plan
from ._tenant_status import tenant_status
from ._tenant_status import tenant_versions
from ._tenant_status import TenantStatus

if t.TYPE_CHECKING:
    from ._autogenerate import autogenerate_diffs
    from ._autogenerate import write_revision
    from ._compare import diffs_by_database
    from ._compare import produce_migrations
    from ._events import MigrationEvent
    from ._lint_range import lint
    from ._offline import downgrade_sql
    from ._offline import stamp_sql
    from ._offline import upgrade_sql
    from ._online import create_at_head
    from ._online import downgrade
    from ._online import migrate
    from ._online import plan
    from ._online import stamp
    from ._online import upgrade
    from ._operations import CommittingOperations
    from ._snapshot import is_empty
    from ._snapshot_build import build as build_snapshots
    from ._snapshot_check import check as check_snapshots
    from ._steps import StepsFn
else:
    _ONLINE = {"create_at_head", "downgrade", "migrate", "plan", "stamp", "upgrade"}
    _OFFLINE = {"downgrade_sql", "stamp_sql", "upgrade_sql"}

    def __getattr__(name: str) -> t.Any:
        # These modules import Alembic, which reading where databases stand
        # never needs: they are imported on first use.
        if name in _ONLINE:
            from . import _online

            return getattr(_online, name)

        if name in _OFFLINE:
            from . import _offline

            return getattr(_offline, name)

        if name == "lint":
            from ._lint_range import lint

            return lint

        if name == "is_empty":
            from ._snapshot import is_empty

            return is_empty

        if name == "build_snapshots":
            from ._snapshot_build import build

            return build

        if name == "check_snapshots":
            from ._snapshot_check import check

            return check

        if name in ("autogenerate_diffs", "write_revision"):
            from . import _autogenerate

            return getattr(_autogenerate, name)

        if name in ("diffs_by_database", "produce_migrations"):
            from . import _compare

            return getattr(_compare, name)

        if name == "CommittingOperations":
            from . import _operations

            return _operations.CommittingOperations

        if name == "MigrationEvent":
            from ._events import MigrationEvent

            return MigrationEvent

        if name == "StepsFn":
            from . import _steps

            return _steps.StepsFn

        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "Bound",
    "CommittingOperations",
    "Connections",
    "MigrationEvent",
    "Scope",
    "TENANT_ACTIONS",
    "Tenancy",
    "TenantCallback",
    "TenantCheck",
    "TenantLint",
    "TenantProgress",
    "TenantReport",
    "TenantResult",
    "TenantStatus",
    "TenantVerification",
    "check_counts",
    "check_tenants",
    "fan_out",
    "job",
    "lint_tenants",
    "pending_by_tenant",
    "run_one",
    "tenant_scripts",
    "tenant_plan",
    "tenant_status",
    "tenant_versions",
    "StepsFn",
    "autogenerate_diffs",
    "behind_heads",
    "build_snapshots",
    "check_snapshots",
    "close_scope",
    "create_at_head",
    "current_by_database",
    "ledger_findings",
    "lint",
    "rehash",
    "rehash_tenants",
    "rows_by_database",
    "diffs_by_database",
    "downgrade",
    "downgrade_sql",
    "interrupted_by_database",
    "is_empty",
    "migrate",
    "operation",
    "plan",
    "produce_migrations",
    "run_async",
    "stamp",
    "stamp_sql",
    "upgrade",
    "upgrade_sql",
    "verify_files",
    "verify_tenants",
    "wait_for_head",
    "write_revision",
]
