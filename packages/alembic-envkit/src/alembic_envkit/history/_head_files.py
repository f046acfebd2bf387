"""Head files: with the ``head_file`` setting, each version location holds a
small file naming its newest revision, rewritten whenever a revision is
written there or moved. Two branches of the code that both add a revision
to a folder both change that line, so merging them in git conflicts instead
of leaving two heads behind.
"""

from __future__ import annotations

import os
import re
import typing as t

from .._errors import ConfigurationError
from ._files import replace_file
from ._findings import error
from ._findings import Finding

if t.TYPE_CHECKING:
    from ._graph import RevisionGraph

#: The file's name when the setting is ``True``.
DEFAULT_NAME = "HEAD"

_COMMENT = (
    "# The newest revision in this folder, kept by alembic-envkit. A merge"
    " conflict here means two branches both added one: run 'rebase' on yours.\n"
)
_NAME = re.compile(r"[\w][\w.-]*")


def head_file_name(options: t.Mapping[str, t.Any]) -> str | None:
    """The ``head_file`` setting: the file's name, or ``None`` when off.

    :raises ConfigurationError: For anything but a bool or a plain file name.
    """
    value = options.get("head_file", False)

    if value is True:
        return DEFAULT_NAME

    if value is False or value is None:
        return None

    if not isinstance(value, str) or _NAME.fullmatch(value) is None:
        raise ConfigurationError(
            f"The 'head_file' setting is {value!r}; use True, False, or a file"
            " name of letters, digits, '_', '.' and '-' (no folder)."
        )

    return value


def folder_heads(graph: RevisionGraph, folders: t.Sequence[str]) -> dict[str, str]:
    """What each folder's head file holds: the revisions in the folder that
    no revision in the same folder has as its parent, one per line, sorted.
    """
    where = {rev: _folder(r.path, folders) for rev, r in graph.revisions.items()}
    heads: dict[str, list[str]] = {folder: [] for folder in folders}

    for rev, revision in graph.revisions.items():
        folder = where[rev]

        if folder is not None and not any(where[c] == folder for c in revision.nextrev):
            heads[folder].append(rev)

    return {
        folder: _COMMENT + "".join(f"{r}\n" for r in sorted(ids))
        for folder, ids in heads.items()
    }


def _folder(path: str, folders: t.Sequence[str]) -> str | None:
    real = os.path.realpath(os.path.dirname(path))

    for folder in folders:
        top = os.path.realpath(folder)

        if real == top or real.startswith(top + os.sep):
            return folder

    return None


def write_head_files(
    graph: RevisionGraph, folders: t.Sequence[str], name: str
) -> list[str]:
    """Rewrite each folder's head file where it differs from the graph,
    whole or not at all; the files written.
    """
    written = []

    for folder, text in folder_heads(graph, folders).items():
        path = os.path.join(folder, name)

        if _read(path) != text:
            replace_file(path, text.encode("utf-8"))
            written.append(path)

    return written


def check_head_files(
    graph: RevisionGraph, folders: t.Sequence[str], name: str
) -> list[Finding]:
    """A finding for each head file that is missing, holds a merge conflict,
    or names other revisions than the folder's heads.
    """
    findings = []

    for folder, text in folder_heads(graph, folders).items():
        path = os.path.join(folder, name)
        found = _read(path)
        expected = _ids(text)

        if found is None:
            what = "is missing"
        elif "<<<<<<<" in found or ">>>>>>>" in found:
            what = "holds a merge conflict: two branches both added revisions"
        elif _ids(found) != expected:
            what = f"names {_listed(_ids(found))}"
        else:
            continue

        findings.append(
            error(
                "head-file",
                (path,),
                f"The head file {what}; the folder's head is {_listed(expected)}.",
                "After merging branches, run 'rebase' on the revisions your"
                " branch added; if the history is right, any 'revision' or"
                " 'rebase' rewrites the file.",
            )
        )

    return findings


def _ids(text: str) -> list[str]:
    return [
        line.strip()
        for line in text.splitlines()
        if line.strip() and not line.startswith("#")
    ]


def _listed(ids: list[str]) -> str:
    return ", ".join(repr(i) for i in ids) or "nothing"


def _read(path: str) -> str | None:
    try:
        with open(path, encoding="utf-8", newline="") as f:
            return f.read()
    except FileNotFoundError:
        return None
