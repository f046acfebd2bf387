"""score

Revision ID: dacc70e8f7ae
Revises: 
Create Date: 2026-11-02 10:14:03.512093

"""
# dialects: mariadb
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "dacc70e8f7ae"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.add_column(
        "player", sa.Column("score", sa.Integer(), server_default="0", nullable=False)
    )


def downgrade():
    pass
