"""tags

Revision ID: 45fe07092011
Revises: 
Create Date: 2026-11-02 10:14:03.512093

"""
# dialects: postgresql, mariadb, sqlite
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "45fe07092011"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "tag",
        sa.Column("id", sa.Integer(), primary_key=True),
    )
    op.add_column("tag", sa.Column("name", sa.String(50), nullable=False))


def downgrade():
    pass
