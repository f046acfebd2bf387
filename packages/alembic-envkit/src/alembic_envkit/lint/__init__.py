"""The migration linter: revisions are linted without a database by running
their upgrade in Alembic's offline mode against a recorder of operations,
then applying rules per dialect.
"""

from ._lint import DIALECTS
from ._lint import lint_paths
from ._lint import lint_revisions
from ._lint import LintOptions
from ._report import LintFinding
from ._report import LintReport
from ._rules import Rule
from ._rules import RULES
from ._source import Suppression
from ._tables import statement_tables

__all__ = [
    "DIALECTS",
    "RULES",
    "LintFinding",
    "LintOptions",
    "LintReport",
    "Rule",
    "Suppression",
    "lint_paths",
    "lint_revisions",
    "statement_tables",
]
