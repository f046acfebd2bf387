"""contract: drop archive

Revision ID: e3581e97c392
Revises: 
Create Date: 2026-11-02 10:14:03.512093

"""
# envkit: allow drop-table -- the archive has been empty since the 2025 export
# dialects: postgresql, mariadb, sqlite
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "e3581e97c392"
down_revision = None
branch_labels = None
depends_on = None
phase = "contract"


def upgrade():
    op.drop_index("ix_archive_created_at", table_name="archive")
    op.drop_table("archive")


def downgrade():
    pass
