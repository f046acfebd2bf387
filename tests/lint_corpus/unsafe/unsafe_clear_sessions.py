"""clear sessions

Revision ID: c44f18b60035
Revises: 
Create Date: 2026-11-02 10:14:03.512093

"""
# dialects: postgresql, mariadb, sqlite
# expect: unbatched-update
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "c44f18b60035"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.execute("DELETE FROM web_session")


def downgrade():
    pass
