"""link purchase to customer

Revision ID: 92d108865692
Revises: 
Create Date: 2026-11-02 10:14:03.512093

"""
# dialects: postgresql
# expect: foreign-key-validates
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "92d108865692"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("purchase", sa.Column("customer_id", sa.Integer(), nullable=True))
    op.create_foreign_key(
        "fk_purchase_customer_id_customer", "purchase", "customer", ["customer_id"], ["id"]
    )


def downgrade():
    pass
