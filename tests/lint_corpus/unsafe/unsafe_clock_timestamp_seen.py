"""last seen

Revision ID: eed6c7acc375
Revises: 
Create Date: 2026-11-02 10:14:03.512093

"""
# dialects: postgresql
# expect: volatile-default
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "eed6c7acc375"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.add_column(
        "device",
        sa.Column(
            "seen_at", sa.DateTime(), server_default=sa.text("clock_timestamp()")
        ),
    )


def downgrade():
    pass
