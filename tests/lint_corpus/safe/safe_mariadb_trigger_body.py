"""keep name and full_name equal

Revision ID: b2a5149005d5
Revises: 
Create Date: 2026-12-07 02:30:00.000000

"""
# dialects: mariadb
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "b2a5149005d5"
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
        END
        """
    )


def downgrade():
    pass
