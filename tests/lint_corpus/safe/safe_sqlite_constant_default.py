"""sqlite counter

Revision ID: 175c6989667c
Revises: 
Create Date: 2026-11-02 10:14:03.512093

"""
# dialects: sqlite
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "175c6989667c"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.add_column(
        "task", sa.Column("retries", sa.Integer(), server_default="3", nullable=False)
    )


def downgrade():
    pass
