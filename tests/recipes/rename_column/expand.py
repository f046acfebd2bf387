"""Add account.full_name beside account.name, keep the two equal with a
trigger while the old code writes one and the new code the other, and copy
the existing names.

Revision ID: rename_column_expand
Revises: rename_column_before
"""

import sqlalchemy as sa
from alembic import op

revision = "rename_column_expand"
down_revision = "rename_column_before"
branch_labels = None
depends_on = None
phase = "expand"

BATCH = 1000

# Whichever column a statement writes, the trigger copies it to the other.
POSTGRESQL_SYNC = [
    """
    CREATE FUNCTION account_name_sync() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'INSERT' THEN
            NEW.full_name := coalesce(NEW.full_name, NEW.name);
            NEW.name := coalesce(NEW.name, NEW.full_name);
        ELSIF NEW.name IS DISTINCT FROM OLD.name THEN
            NEW.full_name := NEW.name;
        ELSIF NEW.full_name IS DISTINCT FROM OLD.full_name THEN
            NEW.name := NEW.full_name;
        END IF;
        RETURN NEW;
    END
    $$
    """,
    """
    CREATE TRIGGER account_name_sync BEFORE INSERT OR UPDATE ON account
    FOR EACH ROW EXECUTE FUNCTION account_name_sync()
    """,
]
MARIADB_SYNC = [
    """
    CREATE TRIGGER account_name_insert BEFORE INSERT ON account FOR EACH ROW
    SET NEW.full_name = coalesce(NEW.full_name, NEW.name),
        NEW.name = coalesce(NEW.name, NEW.full_name)
    """,
    """
    CREATE TRIGGER account_name_update BEFORE UPDATE ON account FOR EACH ROW
    BEGIN
        IF NOT (NEW.name <=> OLD.name) THEN
            SET NEW.full_name = NEW.name;
        ELSEIF NOT (NEW.full_name <=> OLD.full_name) THEN
            SET NEW.name = NEW.full_name;
        END IF;
    END
    """,
]

account = sa.table(
    "account",
    sa.column("id", sa.Integer),
    sa.column("name", sa.String),
    sa.column("full_name", sa.String),
)


def upgrade():
    op.add_column("account", sa.Column("full_name", sa.String(100)))

    if op.get_context().dialect.name == "postgresql":
        sync = POSTGRESQL_SYNC
    else:
        sync = MARIADB_SYNC

    for statement in sync:
        op.execute(statement)

    missing = sa.select(account.c.id).where(
        account.c.full_name.is_(None), account.c.name.is_not(None)
    )
    in_batches(account.update().values(full_name=account.c.name), missing)


def downgrade():
    if op.get_context().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS account_name_sync ON account")
        op.execute("DROP FUNCTION IF EXISTS account_name_sync()")
    else:
        op.execute("DROP TRIGGER IF EXISTS account_name_insert")
        op.execute("DROP TRIGGER IF EXISTS account_name_update")

    op.drop_column("account", "full_name")


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
