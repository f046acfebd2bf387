"""external id

Revision ID: 7cb08e46b285
Revises: 
Create Date: 2026-11-02 10:14:03.512093

"""
# dialects: mariadb
# expect: volatile-default
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "7cb08e46b285"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.add_column(
        "document",
        sa.Column("external_id", sa.String(36), server_default=sa.text("(UUID())")),
    )


def downgrade():
    pass
