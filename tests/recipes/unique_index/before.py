"""Accounts with an email, not yet unique.

Revision ID: unique_index_before
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "unique_index_before"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "account",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("email", sa.String(200), nullable=False),
    )


def downgrade():
    op.drop_table("account")
