"""tenant id

Revision ID: 07288a0ee93b
Revises: 
Create Date: 2026-11-02 10:14:03.512093

"""
# dialects: postgresql, mariadb, sqlite
# expect: not-null-without-default
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "07288a0ee93b"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.execute("ALTER TABLE account ADD COLUMN tenant_id INTEGER NOT NULL")


def downgrade():
    pass
