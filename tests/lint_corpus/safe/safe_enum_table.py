"""orders with status

Revision ID: 626b2260098b
Revises: 
Create Date: 2026-11-02 10:14:03.512093

"""
# dialects: postgresql
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "626b2260098b"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "shipment",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "status",
            sa.Enum("pending", "sent", "lost", name="shipment_status"),
            nullable=False,
        ),
    )


def downgrade():
    pass
