"""seed roles

Revision ID: 86fb697392e3
Revises: 
Create Date: 2026-11-02 10:14:03.512093

"""
# dialects: postgresql, mariadb, sqlite
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "86fb697392e3"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    role = sa.table("role", sa.column("id", sa.Integer), sa.column("name", sa.String))
    op.bulk_insert(role, [{"id": 1, "name": "admin"}, {"id": 2, "name": "member"}])


def downgrade():
    pass
