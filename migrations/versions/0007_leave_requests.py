"""leave requests: a cadre declares a leave, the evaluator confirms or refuses it (status,
who decided and when, the reason of a refusal); leave recorded before is confirmed

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 00:00:00

"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import models.base

revision: str = '0007'
down_revision: str | None = '0006'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('leaves', schema=None) as batch_op:
        batch_op.add_column(sa.Column('status', sa.String(length=16),
                                      server_default='confirmed', nullable=False))
        batch_op.add_column(sa.Column('decided_at', models.base.UTCDateTime(timezone=True),
                                      nullable=True))
        batch_op.add_column(sa.Column('decided_by_id',
                                      sa.BigInteger().with_variant(sa.Integer(), 'sqlite'),
                                      nullable=True))
        batch_op.add_column(sa.Column('refusal_reason', sa.Text(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_leaves_decided_by_id_cadres'), 'cadres',
                                    ['decided_by_id'], ['id'])
        batch_op.create_index('ix_leaves_status_span', ['status', 'ends_on', 'starts_on'],
                              unique=False)


def downgrade() -> None:
    with op.batch_alter_table('leaves', schema=None) as batch_op:
        batch_op.drop_index('ix_leaves_status_span')
        batch_op.drop_constraint(batch_op.f('fk_leaves_decided_by_id_cadres'),
                                 type_='foreignkey')
        batch_op.drop_column('refusal_reason')
        batch_op.drop_column('decided_by_id')
        batch_op.drop_column('decided_at')
        batch_op.drop_column('status')
