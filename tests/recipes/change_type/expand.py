"""Add account.balance_big, a BIGINT, beside account.balance; keep the two
equal with a trigger while the old code writes one and the new code the
other, and copy the existing balances.

Revision ID: change_type_expand
Revises: change_type_before
"""

import sqlalchemy as sa
from alembic import op

revision = "change_type_expand"
down_revision = "change_type_before"
branch_labels = None
depends_on = None
phase = "expand"

BATCH = 1000

# Whichever column a statement writes, the trigger copies it to the other.
# Until the contract step, a balance must still fit the old INTEGER.
POSTGRESQL_SYNC = [
    """
    CREATE FUNCTION account_balance_sync() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'INSERT' THEN
            NEW.balance_big := coalesce(NEW.balance_big, NEW.balance);
            NEW.balance := coalesce(NEW.balance, NEW.balance_big);
        ELSIF NEW.balance IS DISTINCT FROM OLD.balance THEN
            NEW.balance_big := NEW.balance;
        ELSIF NEW.balance_big IS DISTINCT FROM OLD.balance_big THEN
            NEW.balance := NEW.balance_big;
        END IF;
        RETURN NEW;
    END
    $$
    """,
    """
    CREATE TRIGGER account_balance_sync BEFORE INSERT OR UPDATE ON account
    FOR EACH ROW EXECUTE FUNCTION account_balance_sync()
    """,
]
MARIADB_SYNC = [
    """
    CREATE TRIGGER account_balance_insert BEFORE INSERT ON account FOR EACH ROW
    SET NEW.balance_big = coalesce(NEW.balance_big, NEW.balance),
        NEW.balance = coalesce(NEW.balance, NEW.balance_big)
    """,
    """
    CREATE TRIGGER account_balance_update BEFORE UPDATE ON account FOR EACH ROW
    BEGIN
        IF NOT (NEW.balance <=> OLD.balance) THEN
            SET NEW.balance_big = NEW.balance;
        ELSEIF NOT (NEW.balance_big <=> OLD.balance_big) THEN
            SET NEW.balance = NEW.balance_big;
        END IF;
    END
    """,
]

account = sa.table(
    "account",
    sa.column("id", sa.Integer),
    sa.column("balance", sa.Integer),
    sa.column("balance_big", sa.BigInteger),
)


def upgrade():
    op.add_column("account", sa.Column("balance_big", sa.BigInteger))

    if op.get_context().dialect.name == "postgresql":
        sync = POSTGRESQL_SYNC
    else:
        sync = MARIADB_SYNC

    for statement in sync:
        op.execute(statement)

    missing = sa.select(account.c.id).where(
        account.c.balance_big.is_(None), account.c.balance.is_not(None)
    )
    in_batches(account.update().values(balance_big=account.c.balance), missing)


def downgrade():
    if op.get_context().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS account_balance_sync ON account")
        op.execute("DROP FUNCTION IF EXISTS account_balance_sync()")
    else:
        op.execute("DROP TRIGGER IF EXISTS account_balance_insert")
        op.execute("DROP TRIGGER IF EXISTS account_balance_update")

    op.drop_column("account", "balance_big")


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
