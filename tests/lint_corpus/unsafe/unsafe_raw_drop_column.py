"""drop legacy column

Revision ID: 640b797927bc
Revises: 
Create Date: 2026-11-02 10:14:03.512093

"""
# dialects: postgresql, mariadb, sqlite
# expect: drop-column
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "640b797927bc"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.execute("ALTER TABLE account DROP COLUMN legacy")


def downgrade():
    pass
