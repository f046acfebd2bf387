"""raw table

Revision ID: 82375be59340
Revises: 
Create Date: 2026-11-02 10:14:03.512093

"""
# dialects: postgresql, mariadb, sqlite
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "82375be59340"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.execute("CREATE TABLE webhook (id INTEGER PRIMARY KEY, url VARCHAR(500))")
    op.execute("CREATE INDEX ix_webhook_url ON webhook (url)")


def downgrade():
    pass
