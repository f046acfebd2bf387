"""name to title

Revision ID: 2dc58a3d8517
Revises: 
Create Date: 2026-11-02 10:14:03.512093

"""
# dialects: postgresql, mariadb, sqlite
# expect: rename-column
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "2dc58a3d8517"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("task", schema=None) as batch_op:
        batch_op.alter_column("name", new_column_name="title")


def downgrade():
    pass
