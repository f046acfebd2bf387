"""index with a new column

Revision ID: ec13daaab1e3
Revises: 
Create Date: 2026-11-02 10:14:03.512093

"""
# dialects: postgresql, mariadb
# expect: index-blocks-writes
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "ec13daaab1e3"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.drop_index("ix_event_kind", table_name="event")
    op.create_index("ix_event_kind_created", "event", ["kind", "created_at"])


def downgrade():
    pass
