"""online unique

Revision ID: 0ee7d0544d7e
Revises: 
Create Date: 2026-11-02 10:14:03.512093

"""
# dialects: mariadb
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0ee7d0544d7e"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.execute(
        "ALTER TABLE account ADD CONSTRAINT uq_account_email UNIQUE (email),"
        " ALGORITHM=INPLACE, LOCK=NONE"
    )


def downgrade():
    pass
