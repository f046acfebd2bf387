"""Index invoice.customer_id without blocking writes; on PostgreSQL, add
the foreign key NOT VALID: it checks new rows at once, the existing ones
later.

Revision ID: foreign_key_expand
Revises: foreign_key_before
"""

from alembic import op

revision = "foreign_key_expand"
down_revision = "foreign_key_before"
branch_labels = None
depends_on = None
phase = "expand"


def upgrade():
    if op.get_context().dialect.name == "postgresql":
        with op.get_context().autocommit_block():
            op.create_index(
                "ix_invoice_customer_id",
                "invoice",
                ["customer_id"],
                postgresql_concurrently=True,
            )

        op.create_foreign_key(
            "fk_invoice_customer",
            "invoice",
            "customer",
            ["customer_id"],
            ["id"],
            postgresql_not_valid=True,
        )
    else:
        op.execute(
            "ALTER TABLE invoice ADD INDEX ix_invoice_customer_id (customer_id),"
            " ALGORITHM=INPLACE, LOCK=NONE"
        )


def downgrade():
    if op.get_context().dialect.name == "postgresql":
        op.drop_constraint("fk_invoice_customer", "invoice", type_="foreignkey")

    op.drop_index("ix_invoice_customer_id", "invoice")
