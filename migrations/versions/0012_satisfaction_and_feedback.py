"""imported figures (the people's satisfaction rate, final for the cadre) and feedback
records about a cadre or a unit (issue #24 part 5)

Revision ID: 0012
Revises: 0009
Create Date: 2026-12-02 06:00:00

"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import models.base

revision: str = '0012'
down_revision: str | None = '0011'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('entries', schema=None) as batch_op:
        batch_op.add_column(sa.Column('imported_at', models.base.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('imported_source', sa.String(length=120), nullable=True))
    op.create_table(
        'feedback',
        sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
        sa.Column('code', sa.String(length=40), nullable=False),
        sa.Column('cadre_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
        sa.Column('unit_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
        sa.Column('received_on', sa.Date(), nullable=False),
        sa.Column('source', sa.String(length=120), nullable=False),
        sa.Column('content', sa.Text(), nullable=False),
        sa.Column('outcome', sa.Text(), nullable=True),
        sa.Column('created_at', models.base.UTCDateTime(), nullable=False),
        sa.Column('updated_at', models.base.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['cadre_id'], ['cadres.id'], name=op.f('fk_feedback_cadre_id_cadres')),
        sa.ForeignKeyConstraint(['unit_id'], ['org_units.id'], name=op.f('fk_feedback_unit_id_org_units')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_feedback')),
        sa.UniqueConstraint('code', name=op.f('uq_feedback_code')),
    )
    op.create_index('ix_feedback_cadre_day', 'feedback', ['cadre_id', 'received_on'], unique=False)
    op.create_index('ix_feedback_unit_day', 'feedback', ['unit_id', 'received_on'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_feedback_unit_day', table_name='feedback')
    op.drop_index('ix_feedback_cadre_day', table_name='feedback')
    op.drop_table('feedback')
    with op.batch_alter_table('entries', schema=None) as batch_op:
        batch_op.drop_column('imported_source')
        batch_op.drop_column('imported_at')
