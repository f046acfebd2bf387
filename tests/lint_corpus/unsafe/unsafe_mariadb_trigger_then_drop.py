"""a drop between two triggers

Revision ID: 5c1e0a9d7b21
Revises: 
Create Date: 2026-12-07 02:30:00.000000

"""
# dialects: mariadb
# expect: unreadable-sql, drop-column
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "5c1e0a9d7b21"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.execute(
        """
        CREATE TRIGGER account_name_update BEFORE UPDATE ON account FOR EACH ROW
        BEGIN
            IF NOT (NEW.name <=> OLD.name) THEN
                SET NEW.full_name = NEW.name;
            END IF;
        END;
        ALTER TABLE account DROP COLUMN legacy;
        CREATE TRIGGER account_name_insert BEFORE INSERT ON account FOR EACH ROW
        BEGIN
            SET NEW.full_name = NEW.name;
        END
        """
    )


def downgrade():
    pass
