"""labels

Revision ID: 590852a8ab8a
Revises: 
Create Date: 2026-11-02 10:14:03.512093

"""
# dialects: postgresql, mariadb
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "590852a8ab8a"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "label",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("name", sa.String(50), nullable=False),
    )
    op.create_unique_constraint("uq_label_name", "label", ["name"])
    op.create_index("ix_label_name", "label", ["name"])


def downgrade():
    pass
