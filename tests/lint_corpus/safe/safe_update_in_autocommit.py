"""backfill outside the transaction

Revision ID: 01d0368f88fb
Revises: 
Create Date: 2026-11-02 10:14:03.512093

"""
# dialects: postgresql
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "01d0368f88fb"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    with op.get_context().autocommit_block():
        op.execute("UPDATE account SET plan = 'free' WHERE plan IS NULL")


def downgrade():
    pass
