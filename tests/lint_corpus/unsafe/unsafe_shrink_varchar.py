"""shorter codes

Revision ID: f296dc9d16b4
Revises: 
Create Date: 2026-11-02 10:14:03.512093

"""
# dialects: postgresql, mariadb
# expect: change-column-type
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "f296dc9d16b4"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.alter_column(
        "country", "code", existing_type=sa.String(10), type_=sa.String(3)
    )


def downgrade():
    pass
