"""Build a unique index on account.email without blocking writes.

Revision ID: unique_index_expand
Revises: unique_index_before
"""

from alembic import op

revision = "unique_index_expand"
down_revision = "unique_index_before"
branch_labels = None
depends_on = None
phase = "expand"


def upgrade():
    if op.get_context().dialect.name == "postgresql":
        with op.get_context().autocommit_block():
            # A build that failed (on a duplicate) leaves an invalid index
            # behind: drop it, so that the upgrade can run again.
            op.drop_index(
                "uq_account_email",
                "account",
                postgresql_concurrently=True,
                if_exists=True,
            )
            op.create_index(
                "uq_account_email",
                "account",
                ["email"],
                unique=True,
                postgresql_concurrently=True,
            )
    else:
        op.execute(
            "ALTER TABLE account ADD UNIQUE INDEX uq_account_email (email),"
            " ALGORITHM=INPLACE, LOCK=NONE"
        )


def downgrade():
    op.drop_index("uq_account_email", "account")
