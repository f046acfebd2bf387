"""Accounts with a balance, an INTEGER.

Revision ID: change_type_before
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "change_type_before"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "account",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("balance", sa.Integer),
    )


def downgrade():
    op.drop_table("account")
