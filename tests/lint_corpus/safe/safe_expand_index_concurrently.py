"""expand: index

Revision ID: d920046e27b0
Revises: 
Create Date: 2026-11-02 10:14:03.512093

"""
# dialects: postgresql
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "d920046e27b0"
down_revision = None
branch_labels = None
depends_on = None
phase = "expand"


def upgrade():
    with op.get_context().autocommit_block():
        op.create_index(
            "ix_account_referrer", "account", ["referrer"], postgresql_concurrently=True
        )


def downgrade():
    pass
