"""email not null

Revision ID: ba73e0c1b478
Revises: 
Create Date: 2026-11-02 10:14:03.512093

"""
# dialects: mariadb
# expect: change-column-type, set-not-null
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "ba73e0c1b478"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.execute("ALTER TABLE account MODIFY email VARCHAR(320) NOT NULL")


def downgrade():
    pass
