"""rename username to login

Revision ID: d9a50ecf0ee7
Revises: 
Create Date: 2026-11-02 10:14:03.512093

"""
# dialects: postgresql, mariadb
# expect: rename-column
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "d9a50ecf0ee7"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.alter_column(
        "account",
        "username",
        new_column_name="login",
        existing_type=sa.String(length=80),
        existing_nullable=False,
    )


def downgrade():
    pass
