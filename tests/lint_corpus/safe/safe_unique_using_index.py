"""unique email from index

Revision ID: 8415326109c1
Revises: 
Create Date: 2026-11-02 10:14:03.512093

"""
# dialects: postgresql
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "8415326109c1"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    with op.get_context().autocommit_block():
        op.execute(
            "CREATE UNIQUE INDEX CONCURRENTLY uq_account_email ON account (email)"
        )
    op.execute(
        "ALTER TABLE account ADD CONSTRAINT uq_account_email"
        " UNIQUE USING INDEX uq_account_email"
    )


def downgrade():
    pass
