"""Flask-SQLAlchemy-Lite support for Flask-Alembic: migrate on the engines in
``db.engines``.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask_sqlalchemy_lite import SQLAlchemy

__all__ = ["FlaskSQLAlchemyLiteAdapter"]


class FlaskSQLAlchemyLiteAdapter:
    """Engines from a Flask-SQLAlchemy-Lite extension, keyed as in
    ``SQLALCHEMY_ENGINES``. The extension does not manage metadata, so it must
    be passed to ``Alembic(metadatas=...)``.
    """

    def supports(self, extension: object) -> bool:
        return isinstance(extension, SQLAlchemy)

    def metadatas(self, extension: SQLAlchemy) -> None:
        return None

    def engines(self, extension: SQLAlchemy) -> dict[str, sa.Engine]:
        return dict(extension.engines)
