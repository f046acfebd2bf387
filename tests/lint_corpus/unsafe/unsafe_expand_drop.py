"""expand: drop

Revision ID: e5e23e8d5194
Revises: 
Create Date: 2026-11-02 10:14:03.512093

"""
# dialects: postgresql, mariadb, sqlite
# expect: drop-column
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "e5e23e8d5194"
down_revision = None
branch_labels = None
depends_on = None
phase = "expand"


def upgrade():
    op.drop_column("account", "legacy")


def downgrade():
    pass
