"""trigger function

Revision ID: 2a3788546c60
Revises: 
Create Date: 2026-11-02 10:14:03.512093

"""
# dialects: postgresql
# expect: unreadable-sql
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "2a3788546c60"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.execute(
        """
        DO $$
        BEGIN
            PERFORM pg_advisory_xact_lock(42);
        END
        $$
        """
    )


def downgrade():
    pass
