"""document table

Revision ID: 81fc561e38bd
Revises: 
Create Date: 2026-11-02 10:14:03.512093

"""
# dialects: postgresql
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "81fc561e38bd"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.execute("COMMENT ON TABLE account IS 'People who can sign in'")


def downgrade():
    pass
