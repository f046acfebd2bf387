"""Where Flask-Alembic 3.x defined :class:`Alembic`; kept so that
``from flask_alembic.extension import Alembic`` keeps working. Import from
``flask_alembic`` instead.
"""

from ._extension import Alembic

__all__ = ["Alembic"]
