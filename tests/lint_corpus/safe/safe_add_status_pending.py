"""add status

Revision ID: 44bc74444c25
Revises: 
Create Date: 2026-11-02 10:14:03.512093

"""
# dialects: postgresql
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "44bc74444c25"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.add_column(
        "purchase",
        sa.Column(
            "status", sa.String(20), server_default=sa.text("'pending'"), nullable=False
        ),
    )


def downgrade():
    pass
