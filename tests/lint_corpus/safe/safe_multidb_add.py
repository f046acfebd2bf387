"""multidb: nullable columns

Revision ID: a6b2f9549ae6
Revises: 
Create Date: 2026-11-02 10:14:03.512093

"""
# dialects: postgresql, mariadb, sqlite
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "a6b2f9549ae6"
down_revision = None
branch_labels = None
depends_on = None


def upgrade(engine_name):
    globals()["upgrade_%s" % engine_name]()


def upgrade_default():
    op.add_column("account", sa.Column("bio", sa.Text(), nullable=True))


def upgrade_auth():
    op.create_table(
        "credential",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("hash", sa.String(200), nullable=False),
    )


def downgrade():
    pass
