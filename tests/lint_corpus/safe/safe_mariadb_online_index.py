"""online index

Revision ID: 628bed403b53
Revises: 
Create Date: 2026-11-02 10:14:03.512093

"""
# dialects: mariadb
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "628bed403b53"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.execute(
        "ALTER TABLE event ADD INDEX ix_event_kind (kind), ALGORITHM=INPLACE, LOCK=NONE"
    )


def downgrade():
    pass
