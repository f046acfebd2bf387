"""email check not valid

Revision ID: 3081b3eeee18
Revises: 
Create Date: 2026-11-02 10:14:03.512093

"""
# dialects: postgresql
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "3081b3eeee18"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.execute(
        "ALTER TABLE account ADD CONSTRAINT ck_account_email_not_null"
        " CHECK (email IS NOT NULL) NOT VALID"
    )


def downgrade():
    pass
