"""unique email

Revision ID: 434faafda2dc
Revises: 
Create Date: 2026-11-02 10:14:03.512093

"""
# dialects: postgresql, mariadb
# expect: unique-without-index
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "434faafda2dc"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.execute("ALTER TABLE account ADD CONSTRAINT uq_account_email UNIQUE (email)")


def downgrade():
    pass
