"""merge heads and seed plans

Revision ID: 0d1e2f3a4b5c
Revises: c4d5e6f70812, 5e6f7a8b9c0d
Create Date: 2026-04-01 12:00:00.000000

"""
from __future__ import annotations

import datetime as dt

from alembic import op
import sqlalchemy as sa

revision = '0d1e2f3a4b5c'
down_revision = ('c4d5e6f70812', '5e6f7a8b9c0d')
branch_labels = depends_on = None

PLANS = {'free': 0, 'pro': 12.5, 'team': 40}  # monthly, in euros
plan = sa.table('plan', sa.column('name', sa.String), sa.column('price', sa.Numeric), sa.column('since', sa.Date))


class Seed:
    """Rows to insert; kept in one place for both directions."""
    def __init__(self, names):
        self.names = sorted(names)
    def rows(self):
        return [{'name': n, 'price': PLANS[n], 'since': dt.date(2026, 4, 1)} for n in self.names]


def _names(*, include_free=True):
    names = [n for n in PLANS if include_free or PLANS[n]]
    return names


def upgrade():
    op.create_table('plan', sa.Column('name', sa.String(20), primary_key=True), sa.Column('price', sa.Numeric(8, 2)), sa.Column('since', sa.Date))
    op.bulk_insert(plan, Seed(_names()).rows())


def downgrade():
    op.execute(plan.delete().where(plan.c.name.in_(_names(include_free=False))))
    op.drop_table('plan')
