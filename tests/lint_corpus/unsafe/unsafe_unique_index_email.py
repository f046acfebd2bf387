"""unique email index

Revision ID: dad78ecf76d4
Revises: 
Create Date: 2026-11-02 10:14:03.512093

"""
# dialects: postgresql, mariadb
# expect: index-blocks-writes
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "dad78ecf76d4"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_account_email", "account", ["email"], unique=True)


def downgrade():
    pass
