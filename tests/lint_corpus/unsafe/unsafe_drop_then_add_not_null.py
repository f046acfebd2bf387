"""replace column

Revision ID: 600ce3239724
Revises: 
Create Date: 2026-11-02 10:14:03.512093

"""
# dialects: postgresql, mariadb, sqlite
# expect: drop-column, not-null-without-default
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "600ce3239724"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.drop_column("shipment", "weight")
    op.add_column("shipment", sa.Column("weight_grams", sa.Integer(), nullable=False))


def downgrade():
    pass
