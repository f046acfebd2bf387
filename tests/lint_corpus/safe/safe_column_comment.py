"""comment on email

Revision ID: eab76dccd50d
Revises: 
Create Date: 2026-11-02 10:14:03.512093

"""
# dialects: postgresql, mariadb
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "eab76dccd50d"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.alter_column(
        "account",
        "email",
        existing_type=sa.String(255),
        comment="Where we send receipts",
        existing_nullable=False,
    )


def downgrade():
    pass
