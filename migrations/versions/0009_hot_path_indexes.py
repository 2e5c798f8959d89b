"""indexes for the lookups every update makes: the linked Telegram accounts only (SQLite's
statistics count the unlinked cadres' NULLs as one shared value and then scan the roster
for every update), and the entries waiting for a decision (the approvals inbox)

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02 00:00:00

"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0009'
down_revision: str | None = '0008'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index('ix_cadres_linked', 'cadres', ['telegram_user_id'], unique=False,
                    postgresql_where=sa.text('telegram_user_id IS NOT NULL'),
                    sqlite_where=sa.text('telegram_user_id IS NOT NULL'))
    op.create_index('ix_entries_waiting', 'entries', ['cadre_id', 'period_id'], unique=False,
                    postgresql_where=sa.text("status = 'submitted'"),
                    sqlite_where=sa.text("status = 'submitted'"))


def downgrade() -> None:
    op.drop_index('ix_entries_waiting', table_name='entries')
    op.drop_index('ix_cadres_linked', table_name='cadres')
