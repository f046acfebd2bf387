"""unique slug index

Revision ID: c739b3d9306a
Revises: 
Create Date: 2026-11-02 10:14:03.512093

"""
# dialects: postgresql
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "c739b3d9306a"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    with op.get_context().autocommit_block():
        op.create_index(
            "uq_project_slug",
            "project",
            ["slug"],
            unique=True,
            postgresql_concurrently=True,
        )


def downgrade():
    pass
