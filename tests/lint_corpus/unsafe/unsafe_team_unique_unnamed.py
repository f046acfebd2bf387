"""teams

Revision ID: b726f64c7f43
Revises: 
Create Date: 2026-11-02 10:14:03.512093

"""
# dialects: postgresql, mariadb, sqlite
# expect: unnamed-constraint
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "b726f64c7f43"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "team",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(length=50), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_team")),
        sa.UniqueConstraint("slug"),
    )


def downgrade():
    pass
