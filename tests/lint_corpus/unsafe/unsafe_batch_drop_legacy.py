"""drop legacy (batch)

Revision ID: bf1d0d156b82
Revises: 
Create Date: 2026-11-02 10:14:03.512093

"""
# dialects: postgresql, mariadb, sqlite
# expect: drop-column
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "bf1d0d156b82"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("account", schema=None) as batch_op:
        batch_op.drop_column("legacy")


def downgrade():
    pass
