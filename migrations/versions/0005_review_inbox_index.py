"""the approvals inbox: an index on entries (cadre, status, period) and a partial index
of the evaluations not rated yet (cadre, period)

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02 00:00:00

"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0005'
down_revision: str | None = '0004'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index('ix_entries_cadre_status', 'entries',
                    ['cadre_id', 'status', 'period_id'], unique=False)
    op.create_index('ix_evaluations_unrated', 'evaluations', ['cadre_id', 'period_id'],
                    unique=False, postgresql_where=sa.text("status <> 'rated'"),
                    sqlite_where=sa.text("status <> 'rated'"))


def downgrade() -> None:
    op.drop_index('ix_evaluations_unrated', table_name='evaluations')
    op.drop_index('ix_entries_cadre_status', table_name='entries')
