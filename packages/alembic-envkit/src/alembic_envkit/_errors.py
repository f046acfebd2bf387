"""The exceptions raised by alembic_envkit.

Every leaf also subclasses the exception that callers of Flask-Alembic 3.x or
Alembic already catch, so existing ``except`` clauses keep working. The base,
:exc:`EnvkitError`, is in ``_envkit_error``; :exc:`.RevisionError`, which
subclasses Alembic's ``CommandError``, is in ``_revision_error`` and is
imported from there only when one is raised, so that reading revisions never
imports Alembic.
"""

from __future__ import annotations

import typing as t
from contextlib import contextmanager

# Re-exported: the base is imported from here with the other errors.
from ._envkit_error import EnvkitError as EnvkitError

if t.TYPE_CHECKING:
    from ._revision_error import RevisionError


class ConfigurationError(EnvkitError, RuntimeError):
    """The settings, engines or metadata cannot make a working environment:
    a metadata name without an engine, no metadata at all, a bad setting.
    """


class TemplateMismatchError(ConfigurationError):
    """The migrations folder's ``script.py.mako`` was written for a different
    number of databases than are configured.
    """


def revision_error(message: str) -> RevisionError:
    """A :exc:`.RevisionError` with this message. The class subclasses
    Alembic's ``CommandError``; it is imported here, when an error is
    raised, so that reading revisions never imports Alembic.
    """
    # Imports Alembic: only when a revision error is raised.
    from ._revision_error import RevisionError

    return RevisionError(message)


class DatabaseUnavailableError(EnvkitError, RuntimeError):
    """A database cannot be connected to. The message names the database and
    its URL, without the password.
    """


class LockError(EnvkitError, RuntimeError):
    """The migration lock of a database could not be taken in time, or was
    lost during a run.
    """


class EventLoopError(EnvkitError, RuntimeError):
    """A synchronous method that needs an async engine's event loop was
    called while a loop was running in the same thread. Await
    :meth:`.Environment.run_async` instead, or call the method in a thread.
    """


class MigrationError(EnvkitError, RuntimeError):
    """Running a revision against a database failed. The message names the
    database and the revision.

    :param database: Name of the database the migration ran on.
    :param revision: Revision id that was running, if known.
    """

    def __init__(self, message: str, database: str, revision: str | None) -> None:
        super().__init__(message)
        self.database = database
        self.revision = revision


class MigrationCheckError(EnvkitError, AssertionError):
    """A check of :mod:`alembic_envkit.testing` found a problem with the
    migrations: unmerged heads, a revision that fails, a downgrade that does
    not undo its upgrade, or models that differ from the migrations. The
    message names the database and the revision.
    """


@contextmanager
def translate_load_errors() -> t.Iterator[None]:
    """Turn a revision file that does not compile or cannot be imported into
    :exc:`RevisionError`.
    """
    try:
        yield
    except SyntaxError as e:
        raise revision_error(
            f"Cannot read revision file {e.filename}, line {e.lineno}: {e.msg}."
        ) from e
    except ImportError as e:
        raise revision_error(f"Cannot load a revision file: {e}.") from e


@contextmanager
def translate_alembic_errors() -> t.Iterator[None]:
    """Turn Alembic's revision errors, a revision file that does not compile
    or cannot be found, and a template that does not compile, into
    :exc:`.RevisionError`.
    """
    # Imports Alembic: only when a block that calls Alembic begins, which
    # reading revisions never does.
    from ._revision_error import translate_alembic_errors as translating

    with translating(), translate_load_errors():
        yield
