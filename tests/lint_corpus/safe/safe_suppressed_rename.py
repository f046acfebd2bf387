"""rename with a view kept

Revision ID: f8a469ffc4f0
Revises: 
Create Date: 2026-11-02 10:14:03.512093

"""
# dialects: postgresql, mariadb
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "f8a469ffc4f0"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    # envkit: allow rename-table -- a view named post is created below for old code
    op.rename_table("post", "article")
    op.execute("CREATE VIEW post AS SELECT * FROM article")


def downgrade():
    pass
