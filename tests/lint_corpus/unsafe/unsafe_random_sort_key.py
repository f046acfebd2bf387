"""random sort key

Revision ID: 3d8e94656626
Revises: 
Create Date: 2026-11-02 10:14:03.512093

"""
# dialects: postgresql
# expect: volatile-default
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "3d8e94656626"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.add_column(
        "card",
        sa.Column("sort_key", sa.Float(), server_default=sa.text("random()")),
    )


def downgrade():
    pass
