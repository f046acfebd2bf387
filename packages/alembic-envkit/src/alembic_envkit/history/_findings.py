"""What ``verify`` finds: one problem in the history, with its files and
its fix.
"""

from __future__ import annotations

import os
import typing as t
from dataclasses import dataclass


@dataclass(frozen=True)
class Finding:
    """One problem in the history.

    .. versionadded:: 0.2
    """

    #: What kind of problem: ``duplicate-id``, ``duplicate-label``,
    #: ``missing-parent``, ``missing-dependency``, ``cycle``,
    #: ``multiple-heads``, ``multiple-roots``, ``file-name``,
    #: ``unreadable``, ``id-scheme``, ``placeholder-id``,
    #: ``phase-contradiction`` or ``invalid-phase``.
    kind: str
    #: ``"error"`` or ``"warning"``.
    severity: str
    #: The files concerned.
    files: tuple[str, ...]
    #: What is wrong.
    message: str
    #: How to fix it.
    fix: str

    def __str__(self) -> str:
        files = ", ".join(_relative(f) for f in self.files)
        return f"{self.severity} {self.kind}: {files}: {self.message} {self.fix}"

    def as_dict(self) -> dict[str, t.Any]:
        """The finding as JSON data."""
        return {
            "kind": self.kind,
            "severity": self.severity,
            "files": list(self.files),
            "message": self.message,
            "fix": self.fix,
        }


def _relative(path: str) -> str:
    try:
        relative = os.path.relpath(path)
    except ValueError:  # Another drive.
        return path

    return path if relative.startswith(os.pardir) else relative


def error(kind: str, files: t.Iterable[str], message: str, fix: str) -> Finding:
    return Finding(kind, "error", tuple(files), message, fix)
