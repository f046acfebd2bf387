"""backfill with limit

Revision ID: f35f128b2ec5
Revises: 
Create Date: 2026-11-02 10:14:03.512093

"""
# dialects: mariadb
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "f35f128b2ec5"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.execute("UPDATE account SET plan = 'free' WHERE plan IS NULL LIMIT 1000")


def downgrade():
    pass
