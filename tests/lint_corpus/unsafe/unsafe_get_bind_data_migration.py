"""data migration via connection

Revision ID: ea87f1d3493b
Revises: 
Create Date: 2026-11-02 10:14:03.512093

"""
# dialects: postgresql, mariadb, sqlite
# expect: unreadable-revision
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "ea87f1d3493b"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    conn = op.get_bind()
    rows = conn.execute(sa.text("SELECT id FROM account")).fetchall()
    for (id_,) in rows:
        conn.execute(sa.text("UPDATE account SET ref = :r WHERE id = :i"), {"r": id_, "i": id_})


def downgrade():
    pass
