"""done flag

Revision ID: c6cc05669694
Revises: 
Create Date: 2026-11-02 10:14:03.512093

"""
# dialects: postgresql, mariadb, sqlite
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "c6cc05669694"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("task", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("done", sa.Boolean(), server_default=sa.false(), nullable=False)
        )


def downgrade():
    pass
