"""nickname (sql)

Revision ID: ac5b8072bf9a
Revises: 
Create Date: 2026-11-02 10:14:03.512093

"""
# dialects: postgresql, mariadb, sqlite
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "ac5b8072bf9a"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.execute("ALTER TABLE account ADD COLUMN nickname VARCHAR(50)")


def downgrade():
    pass
