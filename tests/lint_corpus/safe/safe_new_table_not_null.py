"""new table, then not null

Revision ID: 9e0358950225
Revises: 
Create Date: 2026-11-02 10:14:03.512093

"""
# dialects: postgresql, mariadb
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "9e0358950225"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "invite",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("code", sa.String(20), nullable=True),
    )
    op.alter_column("invite", "code", existing_type=sa.String(20), nullable=False)


def downgrade():
    pass
