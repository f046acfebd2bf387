"""payload as jsonb

Revision ID: 37553480cce1
Revises: 
Create Date: 2026-11-02 10:14:03.512093

"""
# dialects: postgresql
# expect: change-column-type
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "37553480cce1"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.execute(
        "ALTER TABLE event ALTER COLUMN payload TYPE JSONB USING payload::jsonb"
    )


def downgrade():
    pass
