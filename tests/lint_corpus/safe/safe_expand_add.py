"""expand: display name

Revision ID: b0ad7612cb1a
Revises: 
Create Date: 2026-11-02 10:14:03.512093

"""
# dialects: postgresql, mariadb, sqlite
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "b0ad7612cb1a"
down_revision = None
branch_labels = None
depends_on = None
phase = "expand"


def upgrade():
    op.add_column("account", sa.Column("display_name", sa.String(80), nullable=True))


def downgrade():
    pass
