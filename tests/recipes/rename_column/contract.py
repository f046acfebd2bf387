"""Drop the trigger and account.name, which no code reads any more.

Revision ID: rename_column_contract
Revises: rename_column_expand
"""

import sqlalchemy as sa
from alembic import op

revision = "rename_column_contract"
down_revision = "rename_column_expand"
branch_labels = None
depends_on = None
phase = "contract"


def upgrade():
    if op.get_context().dialect.name == "postgresql":
        op.execute("DROP TRIGGER account_name_sync ON account")
        op.execute("DROP FUNCTION account_name_sync()")
    else:
        op.execute("DROP TRIGGER account_name_insert")
        op.execute("DROP TRIGGER account_name_update")

    op.drop_column("account", "name")


def downgrade():
    op.add_column("account", sa.Column("name", sa.String(100)))
    op.execute("UPDATE account SET name = full_name")
