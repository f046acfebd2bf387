"""What a revision file says to the linter in its own text: suppressions
written as comments, ``# envkit: allow RULE[,RULE...] -- reason``, on the
line of an operation or the line above it, or at the top of the file (before
any code) for the whole file.
"""

from __future__ import annotations

import io
import re
import tokenize
from dataclasses import dataclass

_ALLOW = re.compile(r"#\s*envkit:\s*allow\b(?P<rest>.*)$")


@dataclass(frozen=True)
class Suppression:
    """A rule allowed by a comment in a revision file.

    :param rule: The rule id.
    :param path: The revision file.
    :param line: The comment's line.
    :param reason: Why, as written after ``--``.
    :param whole_file: Whether it is at the top of the file and covers it all.
    """

    rule: str
    path: str
    line: int
    reason: str
    whole_file: bool = False

    def covers(self, line: int) -> bool:
        """Whether it applies to an operation on this line."""
        return self.whole_file or line in (self.line, self.line + 1)


@dataclass(frozen=True)
class BadSuppression:
    """A suppression comment that can't be honoured, and why."""

    line: int
    message: str


def read_suppressions(
    path: str, source: str, known: set[str] | frozenset[str]
) -> tuple[list[Suppression], list[BadSuppression]]:
    """The suppressions in a revision file, and those that name an unknown
    rule or give no reason.

    :param path: The file, for the suppressions' ``path``.
    :param source: Its text.
    :param known: The rule ids.
    """
    found: list[Suppression] = []
    bad: list[BadSuppression] = []
    code_seen = False

    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(source).readline))
    except (tokenize.TokenError, SyntaxError):
        return found, bad

    for token in tokens:
        if token.type == tokenize.NAME:
            code_seen = True
            continue

        if token.type != tokenize.COMMENT:
            continue

        match = _ALLOW.match(token.string)

        if match is None:
            continue

        line = token.start[0]
        rules_text, sep, reason = match.group("rest").partition("--")
        rules = [r.strip() for r in rules_text.split(",") if r.strip()]
        reason = reason.strip()

        if not rules:
            bad.append(BadSuppression(line, "names no rule"))
            continue

        unknown = [r for r in rules if r not in known]

        if unknown:
            bad.append(
                BadSuppression(
                    line,
                    f"names unknown rule {', '.join(unknown)}"
                    " (see the rule ids in the lint docs)",
                )
            )
            continue

        if not sep or not reason:
            bad.append(
                BadSuppression(
                    line, "gives no reason: write '# envkit: allow RULE -- reason'"
                )
            )
            continue

        for rule in rules:
            found.append(Suppression(rule, path, line, reason, not code_seen))

    return found, bad
