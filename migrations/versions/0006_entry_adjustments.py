"""the evaluator's adjustments, one figure at a time with a reason (entry_adjustments), and
the figures of the version last returned (entries.returned_figures)

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02 02:45:00

"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import models.base

revision: str = '0006'
down_revision: str | None = '0005'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade() -> None:
    op.create_table('entry_adjustments',
    sa.Column('id', ID, nullable=False),
    sa.Column('entry_id', ID, nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('figure', sa.String(length=12), nullable=False),
    sa.Column('old', sa.Float(), nullable=True),
    sa.Column('new', sa.Float(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('by_id', ID, nullable=False),
    sa.Column('for_id', ID, nullable=True),
    sa.Column('at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['by_id'], ['cadres.id'], name=op.f('fk_entry_adjustments_by_id_cadres')),
    sa.ForeignKeyConstraint(['entry_id'], ['entries.id'], name=op.f('fk_entry_adjustments_entry_id_entries')),
    sa.ForeignKeyConstraint(['for_id'], ['cadres.id'], name=op.f('fk_entry_adjustments_for_id_cadres')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_entry_adjustments'))
    )
    with op.batch_alter_table('entry_adjustments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_entry_adjustments_entry_id'), ['entry_id'],
                              unique=False)
    with op.batch_alter_table('entries', schema=None) as batch_op:
        batch_op.add_column(sa.Column('returned_figures', sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('entries', schema=None) as batch_op:
        batch_op.drop_column('returned_figures')
    with op.batch_alter_table('entry_adjustments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_entry_adjustments_entry_id'))
    op.drop_table('entry_adjustments')
