"""annual rating, agencies, leaves, leader scopes, exemptions

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01 19:45:40.856301

"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import models.base

revision: str = '0003'
down_revision: str | None = '0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('agency_ratings',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('unit_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('score', sa.Float(), nullable=True),
    sa.Column('band', sa.String(length=20), nullable=False),
    sa.Column('recorded_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('recorded_by', sa.String(length=64), nullable=True),
    sa.ForeignKeyConstraint(['unit_id'], ['org_units.id'], name=op.f('fk_agency_ratings_unit_id_org_units')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_agency_ratings')),
    sa.UniqueConstraint('unit_id', 'year', name=op.f('uq_agency_ratings_unit_id'))
    )
    op.create_table('annual_lists',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('unit_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=8), nullable=False),
    sa.Column('closed_at', models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('closed_by_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('closed_by_label', sa.String(length=64), nullable=True),
    sa.ForeignKeyConstraint(['closed_by_id'], ['cadres.id'], name=op.f('fk_annual_lists_closed_by_id_cadres')),
    sa.ForeignKeyConstraint(['unit_id'], ['org_units.id'], name=op.f('fk_annual_lists_unit_id_org_units')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_annual_lists')),
    sa.UniqueConstraint('unit_id', 'year', name=op.f('uq_annual_lists_unit_id'))
    )
    op.create_table('leader_scopes',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('cadre_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('unit_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.ForeignKeyConstraint(['cadre_id'], ['cadres.id'], name=op.f('fk_leader_scopes_cadre_id_cadres')),
    sa.ForeignKeyConstraint(['unit_id'], ['org_units.id'], name=op.f('fk_leader_scopes_unit_id_org_units')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_leader_scopes')),
    sa.UniqueConstraint('cadre_id', 'unit_id', name=op.f('uq_leader_scopes_cadre_id'))
    )
    with op.batch_alter_table('leader_scopes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_leader_scopes_cadre_id'), ['cadre_id'], unique=False)

    op.create_table('leaves',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('cadre_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('ends_on', sa.Date(), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('created_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('created_by_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('created_by_label', sa.String(length=64), nullable=True),
    sa.ForeignKeyConstraint(['cadre_id'], ['cadres.id'], name=op.f('fk_leaves_cadre_id_cadres')),
    sa.ForeignKeyConstraint(['created_by_id'], ['cadres.id'], name=op.f('fk_leaves_created_by_id_cadres')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_leaves'))
    )
    with op.batch_alter_table('leaves', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_leaves_cadre_id'), ['cadre_id'], unique=False)

    op.create_table('past_ratings',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('cadre_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('band', sa.String(length=20), nullable=False),
    sa.Column('score', sa.Float(), nullable=True),
    sa.Column('imported_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['cadre_id'], ['cadres.id'], name=op.f('fk_past_ratings_cadre_id_cadres')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_past_ratings')),
    sa.UniqueConstraint('cadre_id', 'year', name=op.f('uq_past_ratings_cadre_id'))
    )
    with op.batch_alter_table('past_ratings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_past_ratings_cadre_id'), ['cadre_id'], unique=False)

    with op.batch_alter_table('cadres', schema=None) as batch_op:
        batch_op.add_column(sa.Column('management_tier', sa.String(length=16), nullable=True))

    with op.batch_alter_table('entries', schema=None) as batch_op:
        batch_op.add_column(sa.Column('exemption_status', sa.String(length=12), nullable=True))
        batch_op.add_column(sa.Column('exemption_decided_by_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_entries_exemption_decided_by_id_cadres'), 'cadres', ['exemption_decided_by_id'], ['id'])
    # an exemption note was a claim; an accepted one keeps cancelling the deductions
    op.execute("UPDATE entries SET exemption_status = 'accepted' WHERE exemption_accepted")
    op.execute("UPDATE entries SET exemption_status = 'claimed' "
               "WHERE exemption_status IS NULL AND exemption_note IS NOT NULL")
    with op.batch_alter_table('entries', schema=None) as batch_op:
        batch_op.drop_column('exemption_accepted')

    with op.batch_alter_table('evaluations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('months_worked', sa.Float(), nullable=True))
        batch_op.add_column(sa.Column('agency_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True))
        batch_op.add_column(sa.Column('duty_group', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('proposed_band', sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column('proposed_by_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True))
        batch_op.add_column(sa.Column('proposed_at', models.base.UTCDateTime(timezone=True), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_evaluations_agency_id_org_units'), 'org_units', ['agency_id'], ['id'])
        batch_op.create_foreign_key(batch_op.f('fk_evaluations_proposed_by_id_cadres'), 'cadres', ['proposed_by_id'], ['id'])

    with op.batch_alter_table('job_positions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('key_title', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))

    with op.batch_alter_table('org_units', schema=None) as batch_op:
        batch_op.add_column(sa.Column('is_agency', sa.Boolean(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('org_units', schema=None) as batch_op:
        batch_op.drop_column('is_agency')

    with op.batch_alter_table('job_positions', schema=None) as batch_op:
        batch_op.drop_column('key_title')

    with op.batch_alter_table('evaluations', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_evaluations_proposed_by_id_cadres'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_evaluations_agency_id_org_units'), type_='foreignkey')
        batch_op.drop_column('proposed_at')
        batch_op.drop_column('proposed_by_id')
        batch_op.drop_column('proposed_band')
        batch_op.drop_column('duty_group')
        batch_op.drop_column('agency_id')
        batch_op.drop_column('months_worked')

    with op.batch_alter_table('entries', schema=None) as batch_op:
        batch_op.add_column(sa.Column('exemption_accepted', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
    op.execute("UPDATE entries SET exemption_accepted = (exemption_status = 'accepted') "
               "WHERE exemption_status IS NOT NULL")
    with op.batch_alter_table('entries', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_entries_exemption_decided_by_id_cadres'), type_='foreignkey')
        batch_op.drop_column('exemption_decided_by_id')
        batch_op.drop_column('exemption_status')

    with op.batch_alter_table('cadres', schema=None) as batch_op:
        batch_op.drop_column('management_tier')

    with op.batch_alter_table('past_ratings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_past_ratings_cadre_id'))

    op.drop_table('past_ratings')
    with op.batch_alter_table('leaves', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_leaves_cadre_id'))

    op.drop_table('leaves')
    with op.batch_alter_table('leader_scopes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_leader_scopes_cadre_id'))

    op.drop_table('leader_scopes')
    op.drop_table('annual_lists')
    op.drop_table('agency_ratings')
