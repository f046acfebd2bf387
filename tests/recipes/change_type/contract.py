"""Drop the trigger and account.balance, which no code reads any more.

Revision ID: change_type_contract
Revises: change_type_expand
"""

import sqlalchemy as sa
from alembic import op

revision = "change_type_contract"
down_revision = "change_type_expand"
branch_labels = None
depends_on = None
phase = "contract"


def upgrade():
    if op.get_context().dialect.name == "postgresql":
        op.execute("DROP TRIGGER account_balance_sync ON account")
        op.execute("DROP FUNCTION account_balance_sync()")
    else:
        op.execute("DROP TRIGGER account_balance_insert")
        op.execute("DROP TRIGGER account_balance_update")

    op.drop_column("account", "balance")


def downgrade():
    op.add_column("account", sa.Column("balance", sa.Integer))
    op.execute("UPDATE account SET balance = balance_big")
