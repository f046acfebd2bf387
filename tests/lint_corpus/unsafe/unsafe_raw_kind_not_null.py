"""kind required

Revision ID: 3509d532bebf
Revises: 
Create Date: 2026-11-02 10:14:03.512093

"""
# dialects: postgresql
# expect: set-not-null
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "3509d532bebf"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.execute("ALTER TABLE event ALTER COLUMN kind SET NOT NULL")


def downgrade():
    pass
