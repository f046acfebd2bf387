"""backfill a range

Revision ID: c0431fd1c77b
Revises: 
Create Date: 2026-11-02 10:14:03.512093

"""
# dialects: postgresql, mariadb, sqlite
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "c0431fd1c77b"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.execute("UPDATE account SET plan = 'free' WHERE id BETWEEN 1 AND 10000")


def downgrade():
    pass
