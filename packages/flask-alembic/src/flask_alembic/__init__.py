"""Flask extension for Alembic migrations, configured from ``app.config``."""

from ._adapters import SQLAlchemyAdapter
from ._extension import Alembic

__all__ = [
    "Alembic",
    "SQLAlchemyAdapter",
]
