"""locale required, the check never validated

Revision ID: 82b97c984bb2
Revises: 
Create Date: 2026-12-07 02:30:00.000000

"""
# dialects: postgresql
# expect: set-not-null
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "82b97c984bb2"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.create_check_constraint(
        "ck_account_locale",
        "account",
        "locale IS NOT NULL",
        postgresql_not_valid=True,
    )
    op.alter_column("account", "locale", existing_type=sa.String(10), nullable=False)


def downgrade():
    pass
