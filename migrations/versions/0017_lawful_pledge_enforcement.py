"""Lawful pledge enforcement (Civil Code art. 428, 436–438): a pledge's terms on default, the default
the bank records, the owner's agreed value, the value the units were taken at (折价), the bank's
unsecured claims for a shortfall, and each asset class's oldest valuation a pledge may be enforced at

Existing pledges get the terms the request now defaults to — 15 days' notice, no early default — and
no default: a bank whose loan is overdue records the default, and the notice runs from then. Pledges
enforced by the old transfer keep their history (``enforcement`` "transfer").

Revision ID: 0017
Revises: 0016
Create Date: 2026-11-30 05:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0017'
down_revision: str | None = '0016'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NOTICE_DAYS = 15
# Days a valuation stays usable for 折价: traded permits and carbon sinks move with their markets, so
# half a year; land rights a year, as an appraisal report's own period of use (资产评估报告使用有效期).
MAX_AGE_DAYS = {'EP': 180, 'EPHM': 180, 'CS': 180, 'FR': 365, 'WL': 365}
OTHER_CLASSES_MAX_AGE_DAYS = 365

classes = sa.table('asset_classes', sa.column('code', sa.String), sa.column('valuation_max_age_days', sa.Integer))
PLEDGE_COLUMNS = [
    ('default_cause', sa.String(length=16)),
    ('defaulted_on', sa.Date()),
    ('enforceable_on', sa.Date()),
    ('agreed_value', sa.BigInteger()),
    ('agreed_on', sa.Date()),
    ('enforced_value', sa.BigInteger()),
]


def upgrade() -> None:
    op.create_table('unsecured_claims',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('pledge_id', sa.String(length=36), nullable=False),
    sa.Column('creditor_id', sa.String(length=36), nullable=False),
    sa.Column('debtor_id', sa.String(length=36), nullable=False),
    sa.Column('amount', sa.BigInteger(), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['creditor_id'], ['parties.id'], name=op.f('fk_unsecured_claims_creditor_id_parties')),
    sa.ForeignKeyConstraint(['debtor_id'], ['parties.id'], name=op.f('fk_unsecured_claims_debtor_id_parties')),
    sa.ForeignKeyConstraint(['pledge_id'], ['pledges.id'], name=op.f('fk_unsecured_claims_pledge_id_pledges')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_unsecured_claims')),
    sa.UniqueConstraint('pledge_id', name=op.f('uq_unsecured_claims_pledge_id'))
    )
    op.create_index(op.f('ix_unsecured_claims_creditor_id'), 'unsecured_claims', ['creditor_id'], unique=False)
    op.create_index(op.f('ix_unsecured_claims_debtor_id'), 'unsecured_claims', ['debtor_id'], unique=False)
    # plain ADD COLUMN with a default, not a batch's table copy: copying out ``asset_classes`` or
    # ``pledges`` would break the foreign keys onto them on a connection that enforces them
    op.add_column('asset_classes', sa.Column(
        'valuation_max_age_days', sa.Integer(), nullable=False, server_default=str(OTHER_CLASSES_MAX_AGE_DAYS)
    ))
    for code, days in MAX_AGE_DAYS.items():
        op.execute(classes.update().where(classes.c.code == code).values(valuation_max_age_days=days))
    op.add_column('pledges', sa.Column('notice_days', sa.Integer(), nullable=False, server_default=str(NOTICE_DAYS)))
    op.add_column('pledges', sa.Column('early_default_allowed', sa.Boolean(), nullable=False, server_default=sa.false()))
    for name, kind in PLEDGE_COLUMNS:
        op.add_column('pledges', sa.Column(name, kind, nullable=True))


def downgrade() -> None:
    for name, _ in PLEDGE_COLUMNS:
        op.drop_column('pledges', name)
    op.drop_column('pledges', 'early_default_allowed')
    op.drop_column('pledges', 'notice_days')
    op.drop_column('asset_classes', 'valuation_max_age_days')
    op.drop_index(op.f('ix_unsecured_claims_debtor_id'), table_name='unsecured_claims')
    op.drop_index(op.f('ix_unsecured_claims_creditor_id'), table_name='unsecured_claims')
    op.drop_table('unsecured_claims')
