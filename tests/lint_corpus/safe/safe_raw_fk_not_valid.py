"""fk not valid (sql)

Revision ID: 4b4cde75c94f
Revises: 
Create Date: 2026-11-02 10:14:03.512093

"""
# dialects: postgresql
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "4b4cde75c94f"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.execute(
        "ALTER TABLE payment ADD CONSTRAINT fk_payment_invoice"
        " FOREIGN KEY (invoice_id) REFERENCES invoice (id) NOT VALID"
    )


def downgrade():
    pass
