"""Accounts with a name.

Revision ID: rename_column_before
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "rename_column_before"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "account",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(100)),
    )


def downgrade():
    op.drop_table("account")
