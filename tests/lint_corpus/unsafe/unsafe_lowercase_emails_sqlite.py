"""lowercase emails

Revision ID: f305e4e133a4
Revises: 
Create Date: 2026-11-02 10:14:03.512093

"""
# dialects: sqlite
# expect: unbatched-update
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "f305e4e133a4"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.execute(sa.text("UPDATE account SET email = lower(email)"))


def downgrade():
    pass
