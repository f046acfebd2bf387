"""add counter

Revision ID: 0e7711c36c51
Revises: 
Create Date: 2026-11-02 10:14:03.512093

"""
# dialects: postgresql, mariadb, sqlite
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0e7711c36c51"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.add_column(
        "post",
        sa.Column("views", sa.Integer(), server_default="0", nullable=False),
    )


def downgrade():
    pass
