"""longer titles

Revision ID: 2661a528e436
Revises: 
Create Date: 2026-11-02 10:14:03.512093

"""
# dialects: postgresql, mariadb
# expect: change-column-type
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "2661a528e436"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("post", schema=None) as batch_op:
        batch_op.alter_column(
            "title",
            existing_type=sa.VARCHAR(length=100),
            type_=sa.String(length=250),
            existing_nullable=False,
        )


def downgrade():
    pass
