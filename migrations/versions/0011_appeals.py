"""appeals (kiến nghị): a cadre's disagreement with an announced evaluation, who must answer
it and by when, and the answer (kept or changed, with the reason)

Revision ID: 0011
Revises: 0009
Create Date: 2026-12-02 00:00:00

"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import models.base

revision: str = '0011'
down_revision: str | None = '0010'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade() -> None:
    op.create_table(
        'appeals',
        sa.Column('id', ID, autoincrement=True, nullable=False),
        sa.Column('cadre_id', ID, nullable=False),
        sa.Column('evaluation_id', ID, nullable=False),
        sa.Column('reason', sa.Text(), nullable=False),
        sa.Column('file_id', sa.String(length=256), nullable=True),
        sa.Column('file_kind', sa.String(length=16), nullable=True),
        sa.Column('sent_at', models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column('handler_id', ID, nullable=True),
        sa.Column('due_on', sa.Date(), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('outcome', sa.String(length=16), nullable=True),
        sa.Column('answer', sa.Text(), nullable=True),
        sa.Column('answered_by_id', ID, nullable=True),
        sa.Column('answered_at', models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column('band_before', sa.String(length=20), nullable=True),
        sa.Column('total_before', sa.Float(), nullable=True),
        sa.Column('band_after', sa.String(length=20), nullable=True),
        sa.Column('total_after', sa.Float(), nullable=True),
        sa.ForeignKeyConstraint(['answered_by_id'], ['cadres.id'],
                                name=op.f('fk_appeals_answered_by_id_cadres')),
        sa.ForeignKeyConstraint(['cadre_id'], ['cadres.id'],
                                name=op.f('fk_appeals_cadre_id_cadres')),
        sa.ForeignKeyConstraint(['evaluation_id'], ['evaluations.id'],
                                name=op.f('fk_appeals_evaluation_id_evaluations')),
        sa.ForeignKeyConstraint(['handler_id'], ['cadres.id'],
                                name=op.f('fk_appeals_handler_id_cadres')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_appeals')),
        sa.UniqueConstraint('evaluation_id', name=op.f('uq_appeals_evaluation_id')),
    )
    with op.batch_alter_table('appeals', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_appeals_cadre_id'), ['cadre_id'], unique=False)
        batch_op.create_index('ix_appeals_status_handler', ['status', 'handler_id'],
                              unique=False)


def downgrade() -> None:
    with op.batch_alter_table('appeals', schema=None) as batch_op:
        batch_op.drop_index('ix_appeals_status_handler')
        batch_op.drop_index(batch_op.f('ix_appeals_cadre_id'))
    op.drop_table('appeals')
