"""account to customer

Revision ID: 8dd138b22cfd
Revises: 
Create Date: 2026-11-02 10:14:03.512093

"""
# dialects: postgresql, mariadb, sqlite
# expect: rename-table
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "8dd138b22cfd"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.execute("ALTER TABLE account RENAME TO customer")


def downgrade():
    pass
