"""add flag with default

Revision ID: e6e04a7c0dcf
Revises: 
Create Date: 2026-11-02 10:14:03.512093

"""
# dialects: postgresql, mariadb, sqlite
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "e6e04a7c0dcf"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.add_column(
        "account",
        sa.Column("is_admin", sa.Boolean(), server_default=sa.false(), nullable=False),
    )


def downgrade():
    pass
