"""rename name

Revision ID: 5a5074c35ce3
Revises: 
Create Date: 2026-11-02 10:14:03.512093

"""
# dialects: postgresql, mariadb, sqlite
# expect: rename-column
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "5a5074c35ce3"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.execute("ALTER TABLE account RENAME COLUMN name TO full_name")


def downgrade():
    pass
