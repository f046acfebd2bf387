"""Drop account.legacy_code, which no code reads any more.

Revision ID: drop_column_contract
Revises: drop_column_expand
"""

import sqlalchemy as sa
from alembic import op

revision = "drop_column_contract"
down_revision = "drop_column_expand"
branch_labels = None
depends_on = None
phase = "contract"


def upgrade():
    op.drop_column("account", "legacy_code")


def downgrade():
    op.add_column("account", sa.Column("legacy_code", sa.String(20)))
