"""public id for documents

Revision ID: f0c0fe90dd14
Revises: 
Create Date: 2026-11-02 10:14:03.512093

"""
# dialects: postgresql
# expect: volatile-default
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "f0c0fe90dd14"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.add_column(
        "document",
        sa.Column(
            "public_id",
            sa.Uuid(),
            server_default=sa.text("gen_random_uuid()"),
            nullable=False,
        ),
    )


def downgrade():
    pass
