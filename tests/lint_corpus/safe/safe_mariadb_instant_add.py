"""instant column

Revision ID: 545a770909bf
Revises: 
Create Date: 2026-11-02 10:14:03.512093

"""
# dialects: mariadb
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "545a770909bf"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.execute("ALTER TABLE account ADD COLUMN avatar VARCHAR(200), ALGORITHM=INSTANT")


def downgrade():
    pass
