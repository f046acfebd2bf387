"""rename status value

Revision ID: 191059e52041
Revises: 
Create Date: 2026-11-02 10:14:03.512093

"""
# dialects: postgresql, mariadb, sqlite
# expect: unbatched-update
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "191059e52041"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    account = sa.table("account", sa.column("status", sa.String))
    op.execute(
        account.update().where(account.c.status == "old").values(status="legacy")
    )


def downgrade():
    pass
