"""purge revoked tokens

Revision ID: 61b51715cdae
Revises: 
Create Date: 2026-11-02 10:14:03.512093

"""
# dialects: postgresql, mariadb, sqlite
# expect: unbatched-update
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "61b51715cdae"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.execute("DELETE FROM api_token WHERE revoked = TRUE")


def downgrade():
    pass
