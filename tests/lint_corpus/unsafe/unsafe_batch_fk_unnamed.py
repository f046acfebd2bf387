"""task owner

Revision ID: 4380b19f1280
Revises: 
Create Date: 2026-11-02 10:14:03.512093

"""
# dialects: sqlite
# expect: unnamed-constraint
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "4380b19f1280"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("task", schema=None) as batch_op:
        batch_op.add_column(sa.Column("owner_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(None, "account", ["owner_id"], ["id"])


def downgrade():
    pass
