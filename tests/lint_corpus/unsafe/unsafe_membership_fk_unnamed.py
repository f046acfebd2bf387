"""memberships

Revision ID: a2d3612ec9a3
Revises: 
Create Date: 2026-11-02 10:14:03.512093

"""
# dialects: postgresql, mariadb, sqlite
# expect: unnamed-constraint
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "a2d3612ec9a3"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "membership",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["team_id"], ["team.id"]),
        sa.PrimaryKeyConstraint("id", name="pk_membership"),
    )


def downgrade():
    pass
