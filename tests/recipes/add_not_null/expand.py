"""Add account.display_name, nullable while the old code, which does not
know it, still inserts rows.

Revision ID: add_not_null_expand
Revises: add_not_null_before
"""

import sqlalchemy as sa
from alembic import op

revision = "add_not_null_expand"
down_revision = "add_not_null_before"
branch_labels = None
depends_on = None
phase = "expand"


def upgrade():
    op.add_column("account", sa.Column("display_name", sa.String(200)))


def downgrade():
    op.drop_column("account", "display_name")
