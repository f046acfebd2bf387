"""Schema snapshots: a database's schema and rows at a revision, written
once by replaying the history into a scratch database, and loaded into an
empty database instead of replaying every revision.
"""

from __future__ import annotations

__all__: list[str] = []
