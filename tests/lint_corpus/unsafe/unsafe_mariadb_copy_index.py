"""index (copy)

Revision ID: 826057ef90e2
Revises: 
Create Date: 2026-11-02 10:14:03.512093

"""
# dialects: mariadb
# expect: index-blocks-writes
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "826057ef90e2"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.execute("ALTER TABLE event ADD INDEX ix_event_kind (kind), ALGORITHM=COPY")


def downgrade():
    pass
