"""priority (batch)

Revision ID: 11074a52bb0c
Revises: 
Create Date: 2026-11-02 10:14:03.512093

"""
# dialects: postgresql, mariadb, sqlite
# expect: not-null-without-default
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "11074a52bb0c"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("task", schema=None) as batch_op:
        batch_op.add_column(sa.Column("priority", sa.Integer(), nullable=False))


def downgrade():
    pass
