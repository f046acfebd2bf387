"""contract: drop fax

Revision ID: c3ae5a62fa06
Revises: 
Create Date: 2026-11-02 10:14:03.512093

"""
# dialects: postgresql, mariadb, sqlite
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "c3ae5a62fa06"
down_revision = None
branch_labels = None
depends_on = None
phase = "contract"


def upgrade():
    op.drop_column("account", "fax")  # envkit: allow drop-column -- unused since 2024


def downgrade():
    pass
