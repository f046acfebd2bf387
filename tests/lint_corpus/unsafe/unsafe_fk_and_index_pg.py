"""author link

Revision ID: e58c316051e7
Revises: 
Create Date: 2026-11-02 10:14:03.512093

"""
# dialects: postgresql
# expect: foreign-key-validates, index-blocks-writes
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "e58c316051e7"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("post", sa.Column("author_id", sa.Integer(), nullable=True))
    op.create_index("ix_post_author_id", "post", ["author_id"])
    op.create_foreign_key("fk_post_author", "post", "account", ["author_id"], ["id"])


def downgrade():
    pass
