"""created at

Revision ID: 20738a44ecd0
Revises: 
Create Date: 2026-11-02 10:14:03.512093

"""
# dialects: postgresql, mariadb
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "20738a44ecd0"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.add_column(
        "note",
        sa.Column(
            "created_at", sa.DateTime(), server_default=sa.func.now(), nullable=False
        ),
    )


def downgrade():
    pass
