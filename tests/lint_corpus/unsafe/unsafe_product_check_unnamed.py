"""products

Revision ID: c5192eeb0021
Revises: 
Create Date: 2026-11-02 10:14:03.512093

"""
# dialects: postgresql, mariadb, sqlite
# expect: unnamed-constraint
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "c5192eeb0021"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "product",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("price", sa.Numeric(10, 2), nullable=False),
        sa.CheckConstraint("price >= 0"),
    )


def downgrade():
    pass
