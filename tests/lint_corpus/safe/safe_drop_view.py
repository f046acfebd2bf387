"""drop view

Revision ID: 629d492b25cc
Revises: 
Create Date: 2026-11-02 10:14:03.512093

"""
# dialects: postgresql, mariadb, sqlite
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "629d492b25cc"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.execute("DROP VIEW IF EXISTS active_account")


def downgrade():
    pass
