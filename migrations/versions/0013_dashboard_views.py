"""the board's dashboard views kept per period (issue #25): computed ahead, served as stored

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02 10:00:00

"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import models.base

revision: str = '0013'
down_revision: str | None = '0012'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'dashboard_views',
        sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
        sa.Column('period_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'),
                  nullable=False),
        sa.Column('view', sa.String(length=32), nullable=False),
        sa.Column('computed_at', models.base.UTCDateTime(), nullable=False),
        sa.Column('body', sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(['period_id'], ['periods.id'],
                                name=op.f('fk_dashboard_views_period_id_periods')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_dashboard_views')),
        sa.UniqueConstraint('period_id', 'view', name='uq_dashboard_views_period'),
    )


def downgrade() -> None:
    op.drop_table('dashboard_views')
