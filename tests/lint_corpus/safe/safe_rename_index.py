"""rename index

Revision ID: e9e261c0958e
Revises: 
Create Date: 2026-11-02 10:14:03.512093

"""
# dialects: postgresql
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "e9e261c0958e"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.execute("ALTER INDEX ix_old_name RENAME TO ix_account_email")


def downgrade():
    pass
