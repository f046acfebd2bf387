"""rename post to article

Revision ID: b443922bab2c
Revises: 
Create Date: 2026-11-02 10:14:03.512093

"""
# dialects: postgresql, mariadb, sqlite
# expect: rename-table
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "b443922bab2c"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.rename_table("post", "article")


def downgrade():
    pass
