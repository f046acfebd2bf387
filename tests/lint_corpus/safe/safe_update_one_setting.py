"""fix one setting

Revision ID: 766e8b73f0b9
Revises: 
Create Date: 2026-11-02 10:14:03.512093

"""
# dialects: postgresql, mariadb, sqlite
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "766e8b73f0b9"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.execute("UPDATE setting SET value = 'on' WHERE id = 1")


def downgrade():
    pass
