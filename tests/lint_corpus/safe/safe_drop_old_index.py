"""drop unused index

Revision ID: f350354f83bd
Revises: 
Create Date: 2026-11-02 10:14:03.512093

"""
# dialects: postgresql, mariadb, sqlite
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "f350354f83bd"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.drop_index("ix_event_old", table_name="event")


def downgrade():
    pass
