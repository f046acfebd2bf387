"""active accounts view

Revision ID: afb670847564
Revises: 
Create Date: 2026-11-02 10:14:03.512093

"""
# dialects: postgresql, mariadb, sqlite
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "afb670847564"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.execute("CREATE VIEW active_account AS SELECT id, email FROM account WHERE active")


def downgrade():
    pass
