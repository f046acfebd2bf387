"""created at on tasks

Revision ID: 616909d5a9f6
Revises: 
Create Date: 2026-11-02 10:14:03.512093

"""
# dialects: sqlite
# expect: volatile-default
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "616909d5a9f6"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.add_column(
        "task",
        sa.Column("created_at", sa.DateTime(), server_default=sa.func.current_timestamp()),
    )


def downgrade():
    pass
