"""The base of every exception alembic_envkit raises.

It has a module of its own, below :mod:`._errors` and
:mod:`._revision_error`: ``_errors`` loads ``_revision_error`` (which
imports Alembic) on first use, and ``_revision_error`` subclasses this
class, so neither imports the other's importer.
"""

from __future__ import annotations


class EnvkitError(Exception):
    """Base class of every error raised by alembic_envkit. The message says
    what is wrong and how to fix it.
    """
