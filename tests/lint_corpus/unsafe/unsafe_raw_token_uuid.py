"""api token

Revision ID: 3c721484e5e4
Revises: 
Create Date: 2026-11-02 10:14:03.512093

"""
# dialects: postgresql
# expect: volatile-default
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "3c721484e5e4"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.execute("ALTER TABLE account ADD COLUMN token UUID DEFAULT gen_random_uuid()")


def downgrade():
    pass
