"""What ``verify`` checks of each revision on its own: that its file name
holds its id, where the file template puts one, and that its id follows the
project's scheme and is not an example copied by hand.
"""

from __future__ import annotations

import itertools
import os
import re
import typing as t

from .._errors import ConfigurationError
from ._findings import error
from ._findings import Finding

if t.TYPE_CHECKING:
    from ._headers import Header

#: The ids the ``revision`` command makes (UTC time to the millisecond,
#: ``20261122T142530123``) and Alembic's (12 hex digits of a UUID), which
#: histories begun with Alembic or Flask-Migrate hold.
DEFAULT_ID_PATTERN = r"\d{8}T\d{9}|[0-9a-f]{12}"

#: Ids copied from examples and tutorials instead of generated.
_PLACEHOLDER_RUNS = ("0123456789abcdef", "abcdef", "123456789")


def _template_pattern(file_template: str, id_pattern: str) -> re.Pattern[str] | None:
    """A regular expression for the file names ``file_template`` gives, with
    an id of the scheme as the group ``rev``; ``None`` if they hold no id.
    """
    if "%(rev)s" not in file_template:
        return None

    pattern = ""

    for part in re.split(r"(%\(\w+\)\w)", file_template):
        token = re.fullmatch(r"%\((\w+)\)(\w)", part)

        if token is None:
            pattern += re.escape(part.replace("%%", "%"))
        elif token.group(1) == "rev" and "(?P<rev>" not in pattern:
            pattern += f"(?P<rev>(?:{id_pattern}))"
        elif token.group(2) == "d":
            pattern += r"\d+"
        else:
            pattern += r".*?"

    return re.compile(pattern + r"\.py[co]?")


def check_file_names(
    headers: t.Sequence[Header], file_template: str | None, id_pattern: str | None
) -> list[Finding]:
    """Files whose name holds an id, where the template puts one, that is
    not the file's own: a file copied and given a new id, or the reverse. A
    name with no id of the scheme there was named by hand, and is left be.
    """
    pattern = _template_pattern(
        file_template or "%(rev)s_%(slug)s", id_pattern or DEFAULT_ID_PATTERN
    )

    if pattern is None:
        return []

    findings = []

    for header in headers:
        rev, path = header[0], header[5]
        name = os.path.basename(path)
        match = pattern.fullmatch(name)

        if match is None or match.group("rev") == rev:
            continue

        start, end = match.span("rev")
        findings.append(
            error(
                "file-name",
                (path,),
                f"The file name says revision {match.group('rev')!r}; the file"
                f" declares {rev!r}.",
                f"Rename it to {name[:start] + rev + name[end:]!r}, or fix its"
                " revision id.",
            )
        )

    return findings


def id_pattern_setting(options: t.Mapping[str, t.Any]) -> str | None:
    """The ``revision_id_pattern`` option, checked.

    :raises ConfigurationError: If it is not a valid regular expression.
    """
    value = options.get("revision_id_pattern")

    if value is None:
        return None

    try:
        re.compile(value)
    except (re.error, TypeError) as e:
        raise ConfigurationError(
            f"The 'revision_id_pattern' setting {value!r} is not a regular"
            f" expression ({e}). Fix it, or remove it for Alembic's ids."
        ) from None

    return str(value)


def check_ids(unique: dict[str, Header], id_pattern: str | None) -> list[Finding]:
    scheme = re.compile(id_pattern or DEFAULT_ID_PATTERN)
    findings = []

    for rev, header in unique.items():
        if _placeholder(rev):
            findings.append(
                Finding(
                    "placeholder-id",
                    "warning",
                    (header[5],),
                    f"Revision id {rev!r} looks like an example id copied by hand.",
                    "Give it a generated id (the 'revision' command makes one).",
                )
            )
        elif scheme.fullmatch(rev) is None:
            shown = id_pattern or "a UTC time such as 20261122T142530123"
            findings.append(
                Finding(
                    "id-scheme",
                    "warning",
                    (header[5],),
                    f"Revision id {rev!r} does not follow the id scheme ({shown}).",
                    "Give it a generated id, or set 'revision_id_pattern' to the"
                    " scheme the project uses.",
                )
            )

    return findings


def _placeholder(rev: str) -> bool:
    """Whether an id is one of the made-up kind: one character repeated, a
    run such as ``123456789abc``, or letters and digits counting up in turn
    (``a1b2c3d4e5f6``).
    """
    if len(rev) < 6:
        return False

    if len(set(rev)) == 1 or any(rev in run or run in rev for run in _PLACEHOLDER_RUNS):
        return True

    letters = [c for c in rev if c.isalpha()]
    digits = [c for c in rev if c.isdigit()]
    return bool(letters and digits) and all(
        len(seq) >= 3 and all(ord(b) - ord(a) == 1 for a, b in itertools.pairwise(seq))
        for seq in (letters, digits)
    )
