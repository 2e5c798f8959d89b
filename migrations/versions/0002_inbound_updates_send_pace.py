"""inbound updates and shared send pace

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24 19:08:10.886872

"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import models.base

revision: str = '0002'
down_revision: str | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('inbound_updates',
    sa.Column('update_id', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('chat_id', sa.BigInteger(), nullable=True),
    sa.Column('payload', sa.JSON(), nullable=False),
    sa.Column('received_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('holder', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('update_id', name=op.f('pk_inbound_updates'))
    )
    with op.batch_alter_table('inbound_updates', schema=None) as batch_op:
        batch_op.create_index('ix_inbound_updates_chat', ['chat_id', 'update_id'], unique=False)

    op.create_table('send_pace',
    sa.Column('name', sa.String(length=32), nullable=False),
    sa.Column('next_at', sa.Float(), nullable=False),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_send_pace'))
    )


def downgrade() -> None:
    op.drop_table('send_pace')
    with op.batch_alter_table('inbound_updates', schema=None) as batch_op:
        batch_op.drop_index('ix_inbound_updates_chat')

    op.drop_table('inbound_updates')
