"""activate all accounts

Revision ID: 00ce168751d5
Revises: 
Create Date: 2026-11-02 10:14:03.512093

"""
# dialects: postgresql, mariadb, sqlite
# expect: unbatched-update
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "00ce168751d5"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("account", sa.Column("is_active", sa.Boolean(), nullable=True))
    op.execute("UPDATE account SET is_active = TRUE")


def downgrade():
    pass
