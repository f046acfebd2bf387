"""refresh statistics

Revision ID: 1d8db5cd7004
Revises: 
Create Date: 2026-11-02 10:14:03.512093

"""
# dialects: postgresql
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "1d8db5cd7004"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.execute("ANALYZE account")


def downgrade():
    pass
