"""many to many

Revision ID: 3a3f217d6fb6
Revises: 
Create Date: 2026-11-02 10:14:03.512093

"""
# dialects: postgresql, mariadb, sqlite
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "3a3f217d6fb6"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "post_tag",
        sa.Column("post_id", sa.Integer(), nullable=False),
        sa.Column("tag_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["post_id"], ["post.id"], name="fk_post_tag_post"),
        sa.ForeignKeyConstraint(["tag_id"], ["tag.id"], name="fk_post_tag_tag"),
        sa.PrimaryKeyConstraint("post_id", "tag_id", name="pk_post_tag"),
    )


def downgrade():
    pass
