"""kind required, raw SQL

Revision ID: f19f13833651
Revises: 
Create Date: 2026-12-07 02:30:00.000000

"""
# dialects: postgresql
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "f19f13833651"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    with op.get_context().autocommit_block():
        op.execute(
            "ALTER TABLE account ADD CONSTRAINT ck_account_kind"
            " CHECK (kind IS NOT NULL) NOT VALID"
        )
        op.execute("ALTER TABLE account VALIDATE CONSTRAINT ck_account_kind")
    op.execute("ALTER TABLE account ALTER COLUMN kind SET NOT NULL")


def downgrade():
    pass
