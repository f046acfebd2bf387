"""email address

Revision ID: ea658711cdc2
Revises: 
Create Date: 2026-11-02 10:14:03.512093

"""
# dialects: mariadb
# expect: rename-column, change-column-type
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "ea658711cdc2"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.execute("ALTER TABLE account CHANGE email email_address VARCHAR(320)")


def downgrade():
    pass
