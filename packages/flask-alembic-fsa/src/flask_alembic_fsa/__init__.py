"""Flask-SQLAlchemy support for Flask-Alembic: migrate ``db.metadata`` on
``db.engine``, or the binds in ``db.engines``.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask_sqlalchemy import SQLAlchemy

__all__ = ["FlaskSQLAlchemyAdapter"]


class FlaskSQLAlchemyAdapter:
    """Engines and metadata from a Flask-SQLAlchemy extension.

    The default metadata (``db.metadata``) is migrated when ``Alembic`` is
    given none. The engines are ``db.engines``, with the default engine (bind
    key ``None``) named ``"default"``, so a ``metadatas`` dict keyed by bind
    names migrates each bind. ``db.metadatas`` is never used implicitly: it
    may hold tables another tool owns.
    """

    def supports(self, extension: object) -> bool:
        return isinstance(extension, SQLAlchemy)

    def metadatas(self, extension: SQLAlchemy) -> sa.MetaData:
        return extension.metadata

    def engines(self, extension: SQLAlchemy) -> dict[str, sa.Engine]:
        return {
            "default" if key is None else key: engine
            for key, engine in extension.engines.items()
        }

    def bind_metadatas(self, extension: SQLAlchemy) -> dict[str, sa.MetaData]:
        return {
            "default" if key is None else key: metadata
            for key, metadata in extension.metadatas.items()
        }
