"""On PostgreSQL, turn the unique index into a unique constraint (a moment's
lock, no scan); on MariaDB the unique index is the constraint already.

Revision ID: unique_index_contract
Revises: unique_index_expand
"""

from alembic import op

revision = "unique_index_contract"
down_revision = "unique_index_expand"
branch_labels = None
depends_on = None
phase = "contract"


def upgrade():
    if op.get_context().dialect.name == "postgresql":
        op.execute(
            "ALTER TABLE account ADD CONSTRAINT uq_account_email"
            " UNIQUE USING INDEX uq_account_email"
        )


def downgrade():
    if op.get_context().dialect.name == "postgresql":
        op.drop_constraint("uq_account_email", "account", type_="unique")
        op.create_index("uq_account_email", "account", ["email"], unique=True)
