"""validate fk

Revision ID: ccb5cbe90bf1
Revises: 
Create Date: 2026-11-02 10:14:03.512093

"""
# dialects: postgresql
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "ccb5cbe90bf1"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.execute("ALTER TABLE payment VALIDATE CONSTRAINT fk_payment_invoice")


def downgrade():
    pass
