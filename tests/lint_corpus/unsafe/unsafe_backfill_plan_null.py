"""backfill plan

Revision ID: 292682642bf6
Revises: 
Create Date: 2026-11-02 10:14:03.512093

"""
# dialects: postgresql, mariadb, sqlite
# expect: unbatched-update
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "292682642bf6"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.execute("UPDATE account SET plan = 'free' WHERE plan IS NULL")


def downgrade():
    pass
