"""locale required, the check validated first

Revision ID: e4074f54b903
Revises: 
Create Date: 2026-12-07 02:30:00.000000

"""
# dialects: postgresql
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "e4074f54b903"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    with op.get_context().autocommit_block():
        op.create_check_constraint(
            "ck_account_locale",
            "account",
            "locale IS NOT NULL",
            postgresql_not_valid=True,
        )
        op.execute("ALTER TABLE account VALIDATE CONSTRAINT ck_account_locale")
    op.alter_column("account", "locale", existing_type=sa.String(10), nullable=False)
    op.drop_constraint("ck_account_locale", "account", type_="check")


def downgrade():
    pass
