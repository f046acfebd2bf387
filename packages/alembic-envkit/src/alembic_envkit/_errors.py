"""The exceptions raised by alembic_envkit.

Every leaf also subclasses the exception that callers of Flask-Alembic 3.x or
Alembic already catch, so existing ``except`` clauses keep working.
"""

from __future__ import annotations

import typing as t
from contextlib import contextmanager

if t.TYPE_CHECKING:
    from alembic.util import CommandError


class EnvkitError(Exception):
    """Base class of every error raised by alembic_envkit. The message says
    what is wrong and how to fix it.
    """


class ConfigurationError(EnvkitError, RuntimeError):
    """The settings, engines or metadata cannot make a working environment:
    a metadata name without an engine, no metadata at all, a bad setting.
    """


class TemplateMismatchError(ConfigurationError):
    """The migrations folder's ``script.py.mako`` was written for a different
    number of databases than are configured.
    """


if t.TYPE_CHECKING:

    class RevisionError(EnvkitError, CommandError):
        """A revision argument cannot be resolved, or a revision cannot be
        created: unknown or ambiguous id, several heads where one is needed, a
        bad branch name.
        """

else:

    def __getattr__(name: str) -> t.Any:
        # RevisionError subclasses Alembic's CommandError, so that code
        # catching that keeps working; it is made on first use, so that
        # reading revisions never imports Alembic.
        if name == "RevisionError":
            return _revision_error_class()

        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _revision_error_class() -> type[RevisionError]:
    cls: t.Any = globals().get("RevisionError")

    if cls is None:
        from alembic.util import CommandError

        doc = (
            "A revision argument cannot be resolved, or a revision cannot be"
            " created: unknown or ambiguous id, several heads where one is"
            " needed, a bad branch name."
        )
        namespace = {"__doc__": doc, "__module__": "alembic_envkit"}
        cls = type("RevisionError", (EnvkitError, CommandError), namespace)
        globals()["RevisionError"] = cls

    return t.cast("type[RevisionError]", cls)


def revision_error(message: str) -> RevisionError:
    """A :exc:`RevisionError` with this message."""
    return _revision_error_class()(message)


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
    :exc:`RevisionError`.
    """
    from alembic.script.revision import RevisionError as AlembicRevisionError
    from alembic.util import CommandError
    from mako.exceptions import MakoException  # type: ignore[import-untyped]

    RevisionError = _revision_error_class()

    try:
        with translate_load_errors():
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
    from alembic.script.revision import ResolutionError

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
