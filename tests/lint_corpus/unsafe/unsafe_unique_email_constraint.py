"""unique email

Revision ID: 093d09722eaf
Revises: 
Create Date: 2026-11-02 10:14:03.512093

"""
# dialects: postgresql, mariadb
# expect: unique-without-index
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "093d09722eaf"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.create_unique_constraint("uq_account_email", "account", ["email"])


def downgrade():
    pass
