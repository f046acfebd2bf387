"""fix flags

Revision ID: 9a784c518838
Revises: 
Create Date: 2026-11-02 10:14:03.512093

"""
# dialects: postgresql, mariadb, sqlite
# expect: unreadable-sql
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "9a784c518838"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.execute("UPDTE account SET flags = 0")


def downgrade():
    pass
