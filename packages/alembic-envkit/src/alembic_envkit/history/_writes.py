"""Writing new revision files: whole or not at all, never through an
existing file, with the post-write hooks run after, logging instead of
printing.
"""

from __future__ import annotations

import logging
import os
import tempfile
import typing as t
from contextlib import contextmanager
from pathlib import Path

from .._alembic import held_hooks
from .._alembic import invoke_hook
from .._alembic import replace_template_writer
from .._errors import ConfigurationError
from .._errors import translate_alembic_errors
from .._revision_error import RevisionError
from ._files import umask

if t.TYPE_CHECKING:
    from alembic.script import ScriptDirectory

logger = logging.getLogger("alembic_envkit")


def install_safe_writes(
    script: ScriptDirectory, wrote: t.Callable[[Path], None]
) -> None:
    """Make the script directory write new revision files safely: rendered
    to a temporary file beside the destination, then linked into place, so
    a file appears whole or not at all, an existing file (or a symlink at
    the destination) is never written through or replaced, and the mode
    follows the umask. ``wrote`` is told each file written.
    """

    def write(dest: Path, render: t.Callable[[str], None]) -> None:
        write_new_file(dest, render)
        wrote(dest)

    replace_template_writer(script, write)


def write_new_file(dest: Path, render: t.Callable[[str], None]) -> None:
    """Create ``dest`` with what ``render`` writes to a path it is given.

    :raises RevisionError: If ``dest`` already exists, even as a symlink.
    """
    fd, tmp = tempfile.mkstemp(dir=dest.parent, prefix=".", suffix=".tmp")
    os.close(fd)

    try:
        render(tmp)
        os.chmod(tmp, 0o666 & ~umask())

        try:
            os.link(tmp, dest)
        except FileExistsError:
            raise RevisionError(
                f"{dest} already exists; it was left as it is. Use another"
                " revision id or message."
            ) from None
    finally:
        os.unlink(tmp)


@contextmanager
def deferred_write_hooks(script: ScriptDirectory) -> t.Iterator[list[str]]:
    """Write revisions without Alembic running the post-write hooks, which
    would print to stdout, then run them on every path the caller appended to
    the yielded list, logging instead of printing.

    :param script: The script directory revisions are written through.
    """
    paths: list[str] = []

    with held_hooks(script) as hooks:
        yield paths

    for path in paths:
        for name, hook in hooks:
            if "type" not in hook:
                raise ConfigurationError(
                    f"Post-write hook {name!r} has no 'type'. Set"
                    f" 'post_write_hooks' option '{name}.type'."
                )

            logger.info("Running post-write hook %r on %s", name, path)

            with translate_alembic_errors():
                invoke_hook(hook["type"], path, hook)
