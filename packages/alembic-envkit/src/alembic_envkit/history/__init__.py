"""The history: revision files, their headers and its cache, the revision
graph, Alembic's config and script directory, writing new revisions, and
the checksums of what each revision's upgrade and downgrade run.

Reading the history imports nothing of Alembic; the names that do are
loaded on first use.
"""

import typing as t

from ._arguments import new_rev_id
from ._arguments import replace_current
from ._arguments import revision_ids
from ._arguments import RevisionArg
from ._arguments import step_target
from ._arguments import TargetArg
from ._checksum import ALGORITHM as CHECKSUM_ALGORITHM
from ._checksum import file_checksums
from ._checksum import revision_checksums
from ._findings import Finding
from ._graph import RevisionGraph
from ._history import History
from ._history import saves_cache
from ._phase import check_merge_phase
from ._phase import check_phase_value
from ._phase import held_back
from ._phase import merge_contradiction
from ._phase import write_phase
from ._phase_read import PHASES
from ._rebase import applied as applied_revisions
from ._rebase import rebase
from ._rebase import Rebased
from ._revision import Revision
from ._verify import verify

if t.TYPE_CHECKING:
    from ._new import check_message
    from ._new import choose_rev_id
    from ._new import plan_revision
    from ._new import RevisionPlan
    from ._new import write_merge
    from ._writes import deferred_write_hooks
else:
    _NEW = {
        "RevisionPlan",
        "check_merge_phase",
        "check_message",
        "check_phase_value",
        "choose_rev_id",
        "plan_revision",
        "write_merge",
        "write_phase",
    }

    def __getattr__(name: str) -> t.Any:
        # These modules import Alembic, which reading the history never
        # needs: they are imported on first use.
        if name in _NEW:
            from . import _new

            return getattr(_new, name)

        if name == "deferred_write_hooks":
            from . import _writes

            return _writes.deferred_write_hooks

        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "CHECKSUM_ALGORITHM",
    "PHASES",
    "Finding",
    "History",
    "Rebased",
    "Revision",
    "RevisionArg",
    "RevisionGraph",
    "RevisionPlan",
    "TargetArg",
    "applied_revisions",
    "check_merge_phase",
    "check_message",
    "check_phase_value",
    "choose_rev_id",
    "deferred_write_hooks",
    "file_checksums",
    "held_back",
    "merge_contradiction",
    "new_rev_id",
    "plan_revision",
    "rebase",
    "replace_current",
    "revision_checksums",
    "revision_ids",
    "saves_cache",
    "step_target",
    "verify",
    "write_merge",
    "write_phase",
]
