"""spreadsheets sent to the bot for import: checked, then applied once (chat_imports)

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02 02:40:00

"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0008'
down_revision: str | None = '0007'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'chat_imports',
        sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
        sa.Column('cadre_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'),
                  nullable=False),
        sa.Column('chat_id', sa.BigInteger(), nullable=False),
        sa.Column('file_unique_id', sa.String(length=128), nullable=False),
        sa.Column('file_name', sa.String(length=255), nullable=False),
        sa.Column('sha256', sa.String(length=64), nullable=False),
        sa.Column('size', sa.Integer(), nullable=False),
        sa.Column('content', sa.LargeBinary(), nullable=True),
        sa.Column('kind', sa.String(length=32), nullable=True),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('summary', sa.JSON(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('decided_by_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'),
                  nullable=True),
        sa.ForeignKeyConstraint(['cadre_id'], ['cadres.id'],
                                name=op.f('fk_chat_imports_cadre_id_cadres')),
        sa.ForeignKeyConstraint(['decided_by_id'], ['cadres.id'],
                                name=op.f('fk_chat_imports_decided_by_id_cadres')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_chat_imports')),
    )
    op.create_index('ix_chat_imports_sha256', 'chat_imports', ['sha256'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_chat_imports_sha256', table_name='chat_imports')
    op.drop_table('chat_imports')
