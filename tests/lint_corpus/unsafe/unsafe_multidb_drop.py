"""drop column in auth db

Revision ID: 0e91b78231da
Revises: 
Create Date: 2026-11-02 10:14:03.512093

"""
# dialects: postgresql, mariadb, sqlite
# expect: drop-column
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0e91b78231da"
down_revision = None
branch_labels = None
depends_on = None


def upgrade(engine_name):
    globals()["upgrade_%s" % engine_name]()


def upgrade_default():
    op.add_column("account", sa.Column("nickname", sa.String(50), nullable=True))


def upgrade_auth():
    op.drop_column("credential", "salt")


def downgrade():
    pass
