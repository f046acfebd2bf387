"""locale required, online

Revision ID: 009c19fadf58
Revises: 
Create Date: 2026-12-07 02:30:00.000000

"""
# dialects: mariadb
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "009c19fadf58"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.execute(
        "ALTER TABLE account MODIFY locale VARCHAR(10) NOT NULL,"
        " ALGORITHM=INPLACE, LOCK=NONE"
    )


def downgrade():
    pass
