"""locale required

Revision ID: 91616ba324f8
Revises: 
Create Date: 2026-11-02 10:14:03.512093

"""
# dialects: postgresql, mariadb
# expect: unbatched-update, set-not-null
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "91616ba324f8"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("account", sa.Column("locale", sa.String(10), nullable=True))
    op.execute("UPDATE account SET locale = 'en'")
    op.alter_column("account", "locale", existing_type=sa.String(10), nullable=False)


def downgrade():
    pass
