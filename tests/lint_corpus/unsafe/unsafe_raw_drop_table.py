"""drop audit log

Revision ID: 3c799d22ea0f
Revises: 
Create Date: 2026-11-02 10:14:03.512093

"""
# dialects: postgresql, mariadb, sqlite
# expect: drop-table
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "3c799d22ea0f"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.execute("DROP TABLE audit_log")


def downgrade():
    pass
