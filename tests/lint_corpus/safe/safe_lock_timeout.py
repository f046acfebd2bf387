"""short lock timeout

Revision ID: 45d5a896f88c
Revises: 
Create Date: 2026-11-02 10:14:03.512093

"""
# dialects: postgresql
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "45d5a896f88c"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.execute("SET lock_timeout = '2s'")
    op.add_column("account", sa.Column("referrer", sa.String(100), nullable=True))


def downgrade():
    pass
