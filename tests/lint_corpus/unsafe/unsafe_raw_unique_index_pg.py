"""unique email index

Revision ID: 2c3400c7e8a1
Revises: 
Create Date: 2026-11-02 10:14:03.512093

"""
# dialects: postgresql
# expect: index-blocks-writes
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "2c3400c7e8a1"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.execute("CREATE UNIQUE INDEX uq_account_email ON account (email)")


def downgrade():
    pass
