"""purge a batch

Revision ID: b41d9ae12325
Revises: 
Create Date: 2026-11-02 10:14:03.512093

"""
# dialects: postgresql
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "b41d9ae12325"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.execute(
        "DELETE FROM web_session WHERE id IN"
        " (SELECT id FROM web_session WHERE expired LIMIT 1000)"
    )


def downgrade():
    pass
