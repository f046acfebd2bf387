"""Fill account.display_name in the rows the old code wrote, then make it
NOT NULL.

Revision ID: add_not_null_contract
Revises: add_not_null_expand
"""

import sqlalchemy as sa
from alembic import op

revision = "add_not_null_contract"
down_revision = "add_not_null_expand"
branch_labels = None
depends_on = None
phase = "contract"

BATCH = 1000

account = sa.table(
    "account",
    sa.column("id", sa.Integer),
    sa.column("email", sa.String),
    sa.column("display_name", sa.String),
)


def upgrade():
    missing = sa.select(account.c.id).where(account.c.display_name.is_(None))
    in_batches(account.update().values(display_name=account.c.email), missing)

    if op.get_context().dialect.name == "postgresql":
        # Adding the check NOT VALID locks the table for a moment; VALIDATE
        # reads every row without blocking writes; SET NOT NULL then trusts
        # the valid check and does not read the table again.
        with op.get_context().autocommit_block():
            op.create_check_constraint(
                "ck_account_display_name",
                "account",
                "display_name IS NOT NULL",
                postgresql_not_valid=True,
            )
            op.execute(
                "ALTER TABLE account VALIDATE CONSTRAINT ck_account_display_name"
            )

        op.alter_column(
            "account", "display_name", existing_type=sa.String(200), nullable=False
        )
        op.drop_constraint("ck_account_display_name", "account", type_="check")
    else:
        # MariaDB rebuilds the table in place while writes go on; with
        # LOCK=NONE it refuses, rather than block them, if it can't.
        op.execute(
            "ALTER TABLE account MODIFY display_name VARCHAR(200) NOT NULL,"
            " ALGORITHM=INPLACE, LOCK=NONE"
        )


def downgrade():
    op.alter_column(
        "account", "display_name", existing_type=sa.String(200), nullable=True
    )


def in_batches(update, rows):
    """Run ``update`` on ``rows``, BATCH of them at a time, each batch
    committed on its own, until no row is left.
    """
    batch = rows.limit(BATCH).subquery("batch")
    statement = update.where(account.c.id.in_(sa.select(batch.c.id)))

    with op.get_context().autocommit_block():
        if op.get_context().as_sql:
            # An SQL script can't loop: run this statement until it
            # changes no row.
            op.execute(statement)
            return

        while op.get_bind().execute(statement).rowcount:
            pass
