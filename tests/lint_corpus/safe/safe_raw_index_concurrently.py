"""index concurrently (sql)

Revision ID: 26410db96957
Revises: 
Create Date: 2026-11-02 10:14:03.512093

"""
# dialects: postgresql
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "26410db96957"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    with op.get_context().autocommit_block():
        op.execute(
            "CREATE INDEX CONCURRENTLY IF NOT EXISTS ix_event_kind ON event (kind)"
        )


def downgrade():
    pass
