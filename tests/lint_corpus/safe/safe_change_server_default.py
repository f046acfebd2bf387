"""new default plan

Revision ID: 5901c7b6b1a5
Revises: 
Create Date: 2026-11-02 10:14:03.512093

"""
# dialects: postgresql, mariadb
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "5901c7b6b1a5"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.alter_column(
        "account",
        "plan",
        existing_type=sa.String(20),
        server_default="basic",
        existing_nullable=False,
    )


def downgrade():
    pass
