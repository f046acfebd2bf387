"""The errors that subclass Alembic's own: :exc:`RevisionError`, and the
translation of Alembic's revision errors into it.

This module imports Alembic. Reading revisions (``heads``, ``current``)
never needs it: :func:`._errors.revision_error` and
:func:`._errors.translate_alembic_errors` import it when an error is raised
or a translation begins.
"""

from __future__ import annotations

import typing as t
from contextlib import contextmanager

from alembic.script.revision import ResolutionError
from alembic.script.revision import RevisionError as AlembicRevisionError
from alembic.util import CommandError
from mako.exceptions import MakoException  # type: ignore[import-untyped]

from ._envkit_error import EnvkitError


class RevisionError(EnvkitError, CommandError):
    """A revision argument cannot be resolved, or a revision cannot be
    created: unknown or ambiguous id, several heads where one is needed, a
    bad branch name. It is also Alembic's ``CommandError``, which code
    written for Alembic's commands catches.
    """


@contextmanager
def translate_alembic_errors() -> t.Iterator[None]:
    """Turn Alembic's revision errors and a template that does not compile
    into :exc:`RevisionError`. Errors of alembic_envkit pass through.
    """
    try:
        yield
    except EnvkitError:
        raise
    except (CommandError, AlembicRevisionError) as e:
        raise RevisionError(alembic_message(e)) from e
    except MakoException as e:
        message = " ".join(str(e).split())
        raise RevisionError(
            f"The revision template does not compile: {message}. Fix script.py.mako."
        ) from e


def alembic_message(error: BaseException) -> str:
    """The message of one of Alembic's revision errors. Alembic reports a
    prefix that several ids start with as "Can't locate revision"; the error
    it wraps names the candidates, so its message is used instead.
    """
    cause = error.__cause__

    if isinstance(cause, ResolutionError) and str(cause).startswith("Multiple"):
        error = cause

    message = str(error).strip()

    if message == "Ambiguous walk":
        message = (
            "A relative step is ambiguous here (several branches lead to or from"
            " this revision); name the revision to go to instead."
        )

    return message
