"""contract: drop legacy

Revision ID: 9e1b63926358
Revises: 
Create Date: 2026-11-02 10:14:03.512093

"""
# dialects: postgresql, mariadb, sqlite
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "9e1b63926358"
down_revision = None
branch_labels = None
depends_on = None
phase = "contract"


def upgrade():
    # envkit: allow drop-column -- the code stopped reading legacy in release 41
    op.drop_column("account", "legacy")


def downgrade():
    pass
