"""price check

Revision ID: 2bafbd4a0c55
Revises: 
Create Date: 2026-11-02 10:14:03.512093

"""
# dialects: postgresql, mariadb
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "2bafbd4a0c55"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.create_check_constraint("ck_product_price_positive", "product", "price >= 0")


def downgrade():
    pass
