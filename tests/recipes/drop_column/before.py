"""Accounts with an email and a legacy code the old code writes.

Revision ID: drop_column_before
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "drop_column_before"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "account",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("email", sa.String(200), nullable=False),
        sa.Column("legacy_code", sa.String(20), nullable=False),
    )


def downgrade():
    op.drop_table("account")
