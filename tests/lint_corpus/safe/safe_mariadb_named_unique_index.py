"""unique email, online

Revision ID: e3565f7ece98
Revises: 
Create Date: 2026-12-07 02:30:00.000000

"""
# dialects: mariadb
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "e3565f7ece98"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.execute(
        "ALTER TABLE account ADD UNIQUE INDEX uq_account_email (email),"
        " ALGORITHM=INPLACE, LOCK=NONE"
    )


def downgrade():
    pass
