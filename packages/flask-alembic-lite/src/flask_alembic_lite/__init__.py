"""Flask-SQLAlchemy-Lite support for Flask-Alembic: migrate on the engines in
``db.engines`` and ``db.async_engines``.
"""

from __future__ import annotations

import typing as t

import sqlalchemy as sa
from flask_sqlalchemy_lite import SQLAlchemy

if t.TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncEngine

__all__ = ["FlaskSQLAlchemyLiteAdapter"]


class FlaskSQLAlchemyLiteAdapter:
    """Engines from a Flask-SQLAlchemy-Lite extension, keyed as in
    ``SQLALCHEMY_ENGINES`` and ``SQLALCHEMY_ASYNC_ENGINES``. A name configured
    in both uses the sync engine: both reach the same database, and the sync
    one needs no event loop. The extension does not manage metadata, so it
    must be passed to ``Alembic(metadatas=...)``.
    """

    def supports(self, extension: object) -> bool:
        return isinstance(extension, SQLAlchemy)

    def metadatas(self, extension: SQLAlchemy) -> None:
        return None

    def engines(self, extension: SQLAlchemy) -> dict[str, sa.Engine | AsyncEngine]:
        engines: dict[str, sa.Engine | AsyncEngine] = dict(extension.async_engines)
        engines.update(extension.engines)
        return engines

    def bind_metadatas(self, extension: SQLAlchemy) -> dict[str, sa.MetaData]:
        return {}
