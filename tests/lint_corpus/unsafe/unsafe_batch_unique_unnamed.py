"""unique task code

Revision ID: df3ac6a0e0a8
Revises: 
Create Date: 2026-11-02 10:14:03.512093

"""
# dialects: sqlite
# expect: unnamed-constraint
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "df3ac6a0e0a8"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("task", schema=None) as batch_op:
        batch_op.create_unique_constraint(None, ["code"])


def downgrade():
    pass
