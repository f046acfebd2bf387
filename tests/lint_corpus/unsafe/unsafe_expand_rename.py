"""expand: rename

Revision ID: 43917e41bf68
Revises: 
Create Date: 2026-11-02 10:14:03.512093

"""
# dialects: postgresql, mariadb
# expect: rename-column
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "43917e41bf68"
down_revision = None
branch_labels = None
depends_on = None
phase = "expand"


def upgrade():
    op.alter_column(
        "account", "name", new_column_name="display_name", existing_type=sa.String(80)
    )


def downgrade():
    pass
