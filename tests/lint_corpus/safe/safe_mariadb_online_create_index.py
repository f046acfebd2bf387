"""online index (create)

Revision ID: 2ed4e0c0e36e
Revises: 
Create Date: 2026-11-02 10:14:03.512093

"""
# dialects: mariadb
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "2ed4e0c0e36e"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.execute("CREATE INDEX ix_event_kind ON event (kind) ALGORITHM=INPLACE LOCK=NONE")


def downgrade():
    pass
