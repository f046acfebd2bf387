"""Settings and targets: the plain data an environment is built from,
validated. Nothing here imports Alembic.
"""

from ._context import context_options
from ._ddl_lock import ddl_lock_settings
from ._ddl_lock import DDLLockSettings
from ._ledger import DEFAULT_TABLE as DEFAULT_LEDGER_TABLE
from ._ledger import ledger_settings
from ._ledger import LedgerSettings
from ._settings import DEFAULT_BRANCH
from ._settings import Settings
from ._snapshot import snapshot_settings
from ._snapshot import SnapshotSettings
from ._targets import EngineArg
from ._targets import LazyTargets
from ._targets import MetadataArg
from ._targets import sync_engine
from ._targets import Target
from ._targets import Targets
from ._tenants import check_tenant_name
from ._tenants import tenant_settings
from ._tenants import TenantSettings
from ._tenants import TenantSource
from ._values import check_branch_name

__all__ = [
    "DDLLockSettings",
    "DEFAULT_BRANCH",
    "DEFAULT_LEDGER_TABLE",
    "EngineArg",
    "LazyTargets",
    "LedgerSettings",
    "MetadataArg",
    "Settings",
    "SnapshotSettings",
    "Target",
    "Targets",
    "TenantSettings",
    "TenantSource",
    "check_branch_name",
    "check_tenant_name",
    "context_options",
    "ddl_lock_settings",
    "ledger_settings",
    "snapshot_settings",
    "sync_engine",
    "tenant_settings",
]
