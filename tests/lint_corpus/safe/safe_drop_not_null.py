"""phone optional

Revision ID: 319c84b21bef
Revises: 
Create Date: 2026-11-02 10:14:03.512093

"""
# dialects: postgresql, mariadb
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "319c84b21bef"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.alter_column("account", "phone", existing_type=sa.String(30), nullable=True)


def downgrade():
    pass
