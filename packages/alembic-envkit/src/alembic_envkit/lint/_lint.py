"""Linting revisions: record each one's operations offline, turn them into
actions, apply the dialect's rules, then the revision's phase and
suppressions.
"""

from __future__ import annotations

import os
import typing as t
from dataclasses import dataclass

from .._alembic import load_module
from .._errors import translate_load_errors
from ._action import Action
from ._actions import actions
from ._checks import not_null_column
from ._checks import Scope
from ._record import Recorder
from ._report import LintFinding
from ._report import LintReport
from ._rules import BY_KIND
from ._rules import RULES
from ._source import read_suppressions

if t.TYPE_CHECKING:
    from types import ModuleType

    from ..history import History
    from ..history import Revision

#: The dialect names accepted, and the SQLAlchemy dialect each one records.
DIALECTS = {
    "postgresql": "postgresql",
    "mysql": "mysql",
    "mariadb": "mariadb",
    "sqlite": "sqlite",
}

PHASES = ("expand", "contract")


@dataclass(frozen=True)
class LintOptions:
    """What to lint and how.

    :param ignore: Rule ids not to apply.
    :param select: Only these rule ids, if given.
    """

    ignore: frozenset[str] = frozenset()
    select: frozenset[str] | None = None

    def applies(self, rule: str) -> bool:
        """Whether a rule is on."""
        if rule in self.ignore:
            return False

        return self.select is None or rule in self.select


def lint_revisions(
    history: History,
    revisions: t.Sequence[Revision],
    dialect: str,
    *,
    options: LintOptions | None = None,
) -> LintReport:
    """Lint revisions for a dialect, without a database: each revision's
    upgrade runs in Alembic's offline mode against a recorder of its
    operations.

    :param history: The history the revisions belong to.
    :param revisions: The revisions to lint, in any order.
    :param dialect: ``postgresql``, ``mysql``, ``mariadb`` or ``sqlite``.
    :param options: Rules to apply.
    :return: The findings and suppressions.
    :raises ConfigurationError: If the dialect is not one of those.
    """
    return _lint(
        [(r.path, r.revision, _module_of(r)) for r in revisions], dialect, options
    )


def lint_paths(
    paths: t.Iterable[str | os.PathLike[str]],
    dialect: str,
    *,
    options: LintOptions | None = None,
) -> LintReport:
    """Lint revision files by path, outside any history (a pre-commit hook,
    a corpus of examples).

    :param paths: Revision files.
    :param dialect: ``postgresql``, ``mysql``, ``mariadb`` or ``sqlite``.
    :param options: Rules to apply.
    :return: The findings and suppressions.
    :raises ConfigurationError: If the dialect is not one of those.
    """
    files = [os.fspath(p) for p in paths]
    return _lint([(p, "", _loader(p)) for p in files], dialect, options)


def _module_of(revision: Revision) -> t.Callable[[], ModuleType]:
    return lambda: revision.module


def _loader(path: str) -> t.Callable[[], ModuleType]:
    def load() -> ModuleType:
        with translate_load_errors():
            return load_module(path)

    return load


def _lint(
    files: list[tuple[str, str, t.Callable[[], ModuleType]]],
    dialect: str,
    options: LintOptions | None,
) -> LintReport:
    if dialect not in DIALECTS:
        from .._errors import ConfigurationError

        raise ConfigurationError(
            f"Can't lint for dialect {dialect!r}: use one of {', '.join(DIALECTS)}."
        )

    options = options or LintOptions()
    recorder = Recorder(DIALECTS[dialect])
    report = LintReport(dialect)

    for path, revision, load in files:
        _lint_one(report, recorder, path, revision, load(), options)
        report.revisions += 1

    return report


def _lint_one(
    report: LintReport,
    recorder: Recorder,
    path: str,
    revision: str,
    module: ModuleType,
    options: LintOptions,
) -> None:
    dialect = report.dialect
    found: list[LintFinding] = []

    def add(rule: str, line: int, message: str, database: str = "") -> None:
        severity = RULES[rule].severity
        found.append(
            LintFinding(rule, severity, path, line, message, revision, database)
        )

    with open(path, encoding="utf-8") as f:
        source = f.read()

    suppressions, bad = read_suppressions(path, source, frozenset(RULES))

    for b in bad:
        add("invalid-suppression", b.line, f"the '# envkit: allow' comment {b.message}")

    phase = getattr(module, "phase", None)

    if phase is not None and phase not in PHASES:
        add(
            "invalid-phase",
            _line_of(source, "phase"),
            f"phase = {phase!r} is neither 'expand' nor 'contract'; fix it or"
            " remove it",
        )
        phase = None

    recording = recorder.record(path, module)
    new_tables: set[str] = set()
    # NOT VALID checks "col IS NOT NULL" by (table, name), and the columns
    # whose check was then validated.
    pending: dict[tuple[str, str], str] = {}
    checked: set[tuple[str, str]] = set()
    done: list[Action] = []

    for recorded in recording.operations:
        done.extend(actions(recorded, dialect))

    if recording.failure is not None:
        reason, line = recording.failure
        done.append(Action("unreadable_revision", line=line, detail=reason))

    for action in done:
        scope = Scope(dialect, frozenset(new_tables), frozenset(checked))

        for rule_id in BY_KIND.get(action.kind, ()):
            rule = RULES[rule_id]

            if dialect not in rule.dialects:
                continue

            # An expand revision gets its destructive rules whatever the
            # options say.
            forced = phase == "expand" and rule.destructive

            if not forced and not options.applies(rule_id):
                continue

            message = rule.check(action, scope) if rule.check else None

            if message is not None:
                add(rule_id, action.line, message, action.database)

        if action.kind == "create_table":
            new_tables.add(action.table)
        elif action.kind == "add_check" and "not_valid" in action.flags:
            if column := not_null_column(action.detail):
                pending[(action.table, action.name)] = column
        elif action.kind == "validate_constraint":
            if column := pending.get((action.table, action.name)):
                checked.add((action.table, column))
        elif action.kind == "rename_table" and action.table in new_tables:
            new_tables.add(action.detail)

    report.suppressions.extend(suppressions)
    used = [0] * len(suppressions)

    for each in found:
        finding = _phased(each, phase)

        if finding is None:
            continue

        for i, s in enumerate(suppressions):
            if s.rule == finding.rule and s.covers(finding.line):
                used[i] += 1
                break
        else:
            report.findings.append(finding)

    report.used.extend(used)


#: What a contract revision is for: dropping what the code deployed before
#: it stopped using. Its other hazards (locks, renames) stay.
_CONTRACT_ALLOWS = frozenset({"drop-table", "drop-column"})


def _phased(finding: LintFinding, phase: str | None) -> LintFinding | None:
    """A destructive finding is an error in an expand revision, whatever its
    severity otherwise; a drop in a contract revision is no finding.
    """
    if phase == "contract" and finding.rule in _CONTRACT_ALLOWS:
        return None

    if phase != "expand" or not RULES[finding.rule].destructive:
        return finding

    return LintFinding(
        finding.rule,
        "error",
        finding.path,
        finding.line,
        f"{finding.message} (an expand revision must not do this)",
        finding.revision,
        finding.database,
    )


def _line_of(source: str, name: str) -> int:
    for number, line in enumerate(source.splitlines(), 1):
        if line.startswith(f"{name} ") or line.startswith(f"{name}="):
            return number

    return 1
