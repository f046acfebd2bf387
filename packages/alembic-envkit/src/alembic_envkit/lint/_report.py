"""The lint report, and its three renderings: text, JSON and SARIF 2.1.0.

The JSON shape (:meth:`LintReport.as_json`)::

    {
      "dialect": "postgresql",
      "revisions": 12,
      "errors": 1,
      "warnings": 2,
      "findings": [
        {"rule": "drop-column", "severity": "error", "path": "versions/a.py",
         "line": 14, "revision": "a1b2", "database": "", "message": "..."}
      ],
      "suppressions": [
        {"rule": "drop-table", "path": "versions/b.py", "line": 3,
         "reason": "...", "whole_file": false, "used": 1}
      ]
    }

Paths are relative to the ``root`` given, with forward slashes.
"""

from __future__ import annotations

import os
import typing as t
from dataclasses import dataclass
from dataclasses import field

from ._rules import RULES

if t.TYPE_CHECKING:
    from ._source import Suppression

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"


@dataclass(frozen=True)
class LintFinding:
    """One problem found in a revision.

    :param rule: The rule id.
    :param severity: ``"error"`` or ``"warning"``.
    :param path: The revision file.
    :param line: The line of the operation (0 when unknown).
    :param message: What goes wrong and the safe alternative.
    :param revision: The revision id.
    :param database: The database whose ``upgrade_<name>()`` did it, or "".
    """

    rule: str
    severity: str
    path: str
    line: int
    message: str
    revision: str = ""
    database: str = ""

    def text(self, root: str | os.PathLike[str] | None = None) -> str:
        """One line: ``path:line: severity rule: message``."""
        where = _relative(self.path, root)
        on = f" [{self.database}]" if self.database else ""
        return f"{where}:{self.line}: {self.severity} {self.rule}{on}: {self.message}"


@dataclass
class LintReport:
    """What linting revisions for one dialect found.

    :param dialect: The dialect linted for.
    :param revisions: How many revisions were linted.
    """

    dialect: str
    revisions: int = 0
    findings: list[LintFinding] = field(default_factory=list)
    #: Every suppression the revisions declare, used or not.
    suppressions: list[Suppression] = field(default_factory=list)
    #: How many findings each suppression silenced, by its index.
    used: list[int] = field(default_factory=list)

    @property
    def errors(self) -> list[LintFinding]:
        """The findings of severity error: the caller exits 1 if any."""
        return [f for f in self.findings if f.severity == "error"]

    @property
    def warnings(self) -> list[LintFinding]:
        """The findings of severity warning."""
        return [f for f in self.findings if f.severity == "warning"]

    @property
    def rule_ids(self) -> set[str]:
        """The ids of the rules that found something."""
        return {f.rule for f in self.findings}

    def text(self, root: str | os.PathLike[str] | None = None) -> str:
        """One line per finding, then one per suppression, then a summary.

        :param root: Paths are shown relative to it.
        """
        lines = [f.text(root) for f in self.findings]

        for s, used in zip(self.suppressions, self.used, strict=True):
            scope = "whole file" if s.whole_file else f"line {s.line}"
            lines.append(
                f"{_relative(s.path, root)}:{s.line}: allowed {s.rule} ({scope},"
                f" {used} silenced): {s.reason}"
            )

        lines.append(
            f"{self.revisions} revisions linted for {self.dialect}:"
            f" {len(self.errors)} errors, {len(self.warnings)} warnings,"
            f" {len(self.suppressions)} suppressions"
        )
        return "\n".join(lines)

    def as_json(self, root: str | os.PathLike[str] | None = None) -> dict[str, t.Any]:
        """The report as JSON-ready data, in the shape the module documents.

        :param root: Paths are relative to it.
        """
        return {
            "dialect": self.dialect,
            "revisions": self.revisions,
            "errors": len(self.errors),
            "warnings": len(self.warnings),
            "findings": [
                {
                    "rule": f.rule,
                    "severity": f.severity,
                    "path": _relative(f.path, root),
                    "line": f.line,
                    "revision": f.revision,
                    "database": f.database,
                    "message": f.message,
                }
                for f in self.findings
            ],
            "suppressions": [
                {
                    "rule": s.rule,
                    "path": _relative(s.path, root),
                    "line": s.line,
                    "reason": s.reason,
                    "whole_file": s.whole_file,
                    "used": used,
                }
                for s, used in zip(self.suppressions, self.used, strict=True)
            ],
        }

    def as_sarif(self, root: str | os.PathLike[str] | None = None) -> dict[str, t.Any]:
        """The report as a SARIF 2.1.0 log: one run of the tool
        ``alembic-envkit``, a ``rule`` per rule id with its help, a
        ``result`` per finding located by file (relative to ``root``) and
        line. Suppressed findings are not results; suppressions are listed
        in the run's ``properties``.

        :param root: File URIs are relative to it.
        """
        rules = sorted(RULES.values(), key=lambda r: r.id)
        index = {rule.id: i for i, rule in enumerate(rules)}
        return {
            "version": "2.1.0",
            "$schema": SARIF_SCHEMA,
            "runs": [
                {
                    "tool": {
                        "driver": {
                            "name": "alembic-envkit",
                            "informationUri": "https://pypi.org/project/alembic-envkit/",
                            "rules": [
                                {
                                    "id": rule.id,
                                    "shortDescription": {"text": rule.id},
                                    "fullDescription": {"text": rule.help},
                                    "help": {"text": rule.help},
                                    "defaultConfiguration": {"level": rule.severity},
                                }
                                for rule in rules
                            ],
                        }
                    },
                    "results": [
                        {
                            "ruleId": f.rule,
                            "ruleIndex": index[f.rule],
                            "level": f.severity,
                            "message": {"text": f.message},
                            "locations": [
                                {
                                    "physicalLocation": {
                                        "artifactLocation": {
                                            "uri": _relative(f.path, root),
                                        },
                                        "region": {"startLine": max(f.line, 1)},
                                    }
                                }
                            ],
                        }
                        for f in self.findings
                    ],
                    "properties": {
                        "dialect": self.dialect,
                        "suppressions": self.as_json(root)["suppressions"],
                    },
                }
            ],
        }


def _relative(path: str, root: str | os.PathLike[str] | None) -> str:
    if root is None:
        return path

    try:
        path = os.path.relpath(path, root)
    except ValueError:  # Another drive, on Windows.
        return path

    return path.replace(os.sep, "/")
