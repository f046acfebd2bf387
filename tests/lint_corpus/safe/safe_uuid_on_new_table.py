"""documents

Revision ID: a8028c8d8f5a
Revises: 
Create Date: 2026-11-02 10:14:03.512093

"""
# dialects: postgresql
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "a8028c8d8f5a"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "document",
        sa.Column("id", sa.Integer(), primary_key=True),
    )
    op.add_column(
        "document",
        sa.Column(
            "public_id", sa.Uuid(), server_default=sa.text("gen_random_uuid()")
        ),
    )


def downgrade():
    pass
