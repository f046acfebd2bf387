"""Alembic's script directory over the headers this package read, so that
Alembic imports a revision file only when it runs it or something asks for
its module.
"""

from __future__ import annotations

import os
import typing as t

from alembic.script import Script
from alembic.script import ScriptDirectory
from alembic.script.revision import Revision
from alembic.script.revision import RevisionMap
from alembic.util import load_python_file
from alembic.util import to_tuple

from ._scan import Header

if t.TYPE_CHECKING:
    from types import ModuleType

    from alembic.config import Config


class _LazyScript(Script):
    """A :class:`~alembic.script.Script` built from a header; its module is
    imported on first use.
    """

    def __init__(self, header: Header) -> None:
        revision, down, labels, depends, doc, path = header
        Revision.__init__(
            self, revision, down, dependencies=depends, branch_labels=labels
        )
        self.path = path
        self._longdoc = doc
        self._module: ModuleType | None = None

    @property
    def module(self) -> ModuleType:  # type: ignore[override]
        if self._module is None:
            self._module = load_python_file(
                os.path.dirname(self.path), os.path.basename(self.path)
            )

        return self._module

    @property
    def longdoc(self) -> str:
        return self._longdoc


def lazy_script_directory(
    make: t.Callable[[], ScriptDirectory], headers: t.Sequence[Header]
) -> ScriptDirectory:
    """A script directory whose revisions come from ``headers`` instead of
    importing every file.

    :param make: Builds the script directory from the config.
    :param headers: Every revision file's header, in load order.
    """
    script = make()
    script.revision_map = RevisionMap(lambda: [_LazyScript(h) for h in headers])
    return script


def loaded_headers(config: Config) -> list[Header]:
    """The header of every revision Alembic finds by importing the files,
    bytecode included: for the ``sourceless`` option, whose files cannot be
    read without running them.

    :param config: The environment's config.
    """
    script = ScriptDirectory.from_config(config)
    # Private: _load_revisions yields each file's Script in load order.
    return [
        (
            s.revision,
            _scalar(s.down_revision),
            to_tuple(getattr(s.module, "branch_labels", None), default=()),
            _scalar(s.dependencies),
            s.longdoc,
            s.path,
        )
        for s in script._load_revisions()
    ]


def _scalar(value: str | t.Sequence[str] | None) -> str | tuple[str, ...] | None:
    if value is None or isinstance(value, str):
        return value

    return tuple(value)
