"""Customers, and invoices whose customer_id has no foreign key yet.

Revision ID: foreign_key_before
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "foreign_key_before"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.create_table("customer", sa.Column("id", sa.Integer, primary_key=True))
    op.create_table(
        "invoice",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("customer_id", sa.Integer),
    )


def downgrade():
    op.drop_table("invoice")
    op.drop_table("customer")
