"""epoch default

Revision ID: 933533ee8e92
Revises: 
Create Date: 2026-11-02 10:14:03.512093

"""
# dialects: sqlite
# expect: volatile-default
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "933533ee8e92"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.add_column(
        "task",
        sa.Column(
            "created_epoch", sa.Integer(), server_default=sa.text("(strftime('%s','now'))")
        ),
    )


def downgrade():
    pass
