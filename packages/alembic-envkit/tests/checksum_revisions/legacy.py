# -*- coding: utf-8 -*-
u"""old-style revision: odd layout, tabs, semicolons and backslashes

Revision ID: 77aa88bb99cc
Revises: 0d1e2f3a4b5c
"""
revision = "77aa88bb99cc"; down_revision = "0d1e2f3a4b5c"
branch_labels = None
depends_on = None

from alembic import op
import sqlalchemy as sa

FLAGS = 0XFF; RATE = 1E3; NAME = u'caf\xe9 na\u00efve'


def upgrade():
	op.add_column('customer', sa.Column('flags', sa.Integer(), server_default = str( FLAGS ), nullable = False))
	op.add_column('customer',
		sa.Column('rate', sa.Float(),
			server_default=str(RATE)))
	if op.get_context().dialect.name == 'postgresql' :
		op.execute(  ('COMMENT ON TABLE customer IS %r' % NAME)  )
	op.drop_column('customer', 'legacy_flags') ; op.drop_column('customer', 'legacy_rate')


def downgrade():
	op.add_column('customer', sa.Column('legacy_rate', sa.Float()))
	op.add_column('customer', sa.Column('legacy_flags', sa.Integer())) 
	op.drop_column('customer', \
		'rate')
	op.drop_column('customer', 'flags')
	"""Nothing else to undo."""
