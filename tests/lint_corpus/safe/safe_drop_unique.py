"""drop unique

Revision ID: bcefd82b9117
Revises: 
Create Date: 2026-11-02 10:14:03.512093

"""
# dialects: postgresql, mariadb
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "bcefd82b9117"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.drop_constraint("uq_account_nickname", "account", type_="unique")


def downgrade():
    pass
