"""Let account.legacy_code be NULL, so that the new code, which does not
write it, can insert rows.

Revision ID: drop_column_expand
Revises: drop_column_before
"""

import sqlalchemy as sa
from alembic import op

revision = "drop_column_expand"
down_revision = "drop_column_before"
branch_labels = None
depends_on = None
phase = "expand"


def upgrade():
    op.alter_column(
        "account", "legacy_code", existing_type=sa.String(20), nullable=True
    )


def downgrade():
    op.execute("UPDATE account SET legacy_code = '' WHERE legacy_code IS NULL")
    op.alter_column(
        "account", "legacy_code", existing_type=sa.String(20), nullable=False
    )
