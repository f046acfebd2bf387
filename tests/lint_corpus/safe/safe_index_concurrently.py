"""index concurrently

Revision ID: 16a682e0aaa0
Revises: 
Create Date: 2026-11-02 10:14:03.512093

"""
# dialects: postgresql
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "16a682e0aaa0"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    with op.get_context().autocommit_block():
        op.create_index(
            "ix_purchase_created_at",
            "purchase",
            ["created_at"],
            postgresql_concurrently=True,
        )


def downgrade():
    pass
