"""kind required, the check on another column

Revision ID: e9e3cf9923e1
Revises: 
Create Date: 2026-12-07 02:30:00.000000

"""
# dialects: postgresql
# expect: set-not-null
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "e9e3cf9923e1"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.execute(
        "ALTER TABLE account ADD CONSTRAINT ck_account_locale"
        " CHECK (locale IS NOT NULL) NOT VALID"
    )
    op.execute("ALTER TABLE account VALIDATE CONSTRAINT ck_account_locale")
    op.execute("ALTER TABLE account ALTER COLUMN kind SET NOT NULL")


def downgrade():
    pass
