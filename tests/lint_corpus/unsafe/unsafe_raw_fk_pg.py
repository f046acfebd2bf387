"""payment invoice fk

Revision ID: 00379ca7f024
Revises: 
Create Date: 2026-11-02 10:14:03.512093

"""
# dialects: postgresql
# expect: foreign-key-validates
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "00379ca7f024"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.execute(
        "ALTER TABLE payment ADD CONSTRAINT fk_payment_invoice"
        " FOREIGN KEY (invoice_id) REFERENCES invoice (id)"
    )


def downgrade():
    pass
