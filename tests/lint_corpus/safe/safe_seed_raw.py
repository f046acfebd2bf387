"""seed a setting

Revision ID: 89a111ac88ab
Revises: 
Create Date: 2026-11-02 10:14:03.512093

"""
# dialects: postgresql, mariadb, sqlite
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "89a111ac88ab"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.execute("INSERT INTO setting (name, value) VALUES ('theme', 'light')")


def downgrade():
    pass
