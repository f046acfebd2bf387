"""fix some rows

Revision ID: 467445cfed4d
Revises: 
Create Date: 2026-11-02 10:14:03.512093

"""
# dialects: postgresql, mariadb, sqlite
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "467445cfed4d"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    account = sa.table("account", sa.column("id", sa.Integer), sa.column("plan"))
    op.execute(
        account.update().where(account.c.id.in_([3, 5, 8])).values(plan="pro")
    )


def downgrade():
    pass
