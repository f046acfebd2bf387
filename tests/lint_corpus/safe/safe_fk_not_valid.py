"""fk not valid

Revision ID: bd51e60921f2
Revises: 
Create Date: 2026-11-02 10:14:03.512093

"""
# dialects: postgresql
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "bd51e60921f2"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.create_foreign_key(
        "fk_payment_invoice",
        "payment",
        "invoice",
        ["invoice_id"],
        ["id"],
        postgresql_not_valid=True,
    )


def downgrade():
    pass
