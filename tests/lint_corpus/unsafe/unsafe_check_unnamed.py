"""price check

Revision ID: 561355dd9223
Revises: 
Create Date: 2026-11-02 10:14:03.512093

"""
# dialects: postgresql, mariadb
# expect: unnamed-constraint
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "561355dd9223"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.create_check_constraint(None, "product", "price >= 0")


def downgrade():
    pass
