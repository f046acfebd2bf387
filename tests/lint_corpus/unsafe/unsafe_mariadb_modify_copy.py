"""locale required, copying the table

Revision ID: 8cb917915c04
Revises: 
Create Date: 2026-12-07 02:30:00.000000

"""
# dialects: mariadb
# expect: change-column-type, set-not-null
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "8cb917915c04"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.execute(
        "ALTER TABLE account MODIFY locale VARCHAR(10) NOT NULL, ALGORITHM=COPY"
    )


def downgrade():
    pass
