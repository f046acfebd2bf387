"""purge in batches

Revision ID: 9a8c64c5b321
Revises: 
Create Date: 2026-11-02 10:14:03.512093

"""
# dialects: mariadb
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "9a8c64c5b321"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.execute("DELETE FROM web_session WHERE expires_at < NOW() LIMIT 5000")


def downgrade():
    pass
