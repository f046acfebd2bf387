"""backfill order totals

Revision ID: c4d5e6f70812
Revises: a81f0e4c2b90
Create Date: 2026-01-20 11:45:00.000000

"""
from alembic import op
import sqlalchemy as sa

revision = 'c4d5e6f70812'
down_revision = 'a81f0e4c2b90'
branch_labels = None
depends_on = None

BATCH_SIZE = 500  # rows per UPDATE
STATUSES = ('paid', 'shipped')


def _backfill(conn, table, column='total'):
    '''Fill ``column`` in batches; the # here is not a comment.'''
    while True:
        done = conn.execute(sa.text(f"""
            UPDATE {table} SET {column} = sub.amount
            FROM (SELECT order_id, SUM(price * quantity) AS amount
                  FROM order_item GROUP BY order_id) AS sub
            WHERE {table}.id = sub.order_id AND {table}.{column} IS NULL
            LIMIT :n   -- batch  # not a comment either
        """), {'n': BATCH_SIZE}).rowcount
        if done < BATCH_SIZE:
            break


def upgrade():
    op.execute("CREATE INDEX CONCURRENTLY IF NOT EXISTS ix_order_status ON \"order\" (status)")
    op.execute(
        """
        UPDATE "order"
        SET status = 'paid'
        WHERE status = 'new' AND total > 0
        """
    )
    _backfill(op.get_bind(), '"order"')
    op.execute(sa.text("DELETE FROM order_item WHERE quantity <= :q").bindparams(q=0))


def downgrade():
    op.execute('UPDATE "order" SET total = NULL WHERE status IN %s' % (STATUSES,))
    op.execute('DROP INDEX IF EXISTS ix_order_status')
