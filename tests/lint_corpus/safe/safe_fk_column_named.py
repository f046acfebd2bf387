"""nullable fk column

Revision ID: 8b2b3db06738
Revises: 
Create Date: 2026-11-02 10:14:03.512093

"""
# dialects: postgresql, mariadb
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "8b2b3db06738"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.add_column(
        "task",
        sa.Column(
            "project_id",
            sa.Integer(),
            sa.ForeignKey("project.id", name="fk_task_project_id_project"),
            nullable=True,
        ),
    )


def downgrade():
    pass
