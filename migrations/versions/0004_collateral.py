"""Collateral: valuations, pledges and the ledger's subject index

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-28 21:32:26.666951
"""

from collections.abc import Sequence

import json

import sqlalchemy as sa
from alembic import op

from registry.events import parse as parse_event


revision: str = '0004'
down_revision: str | None = '0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    subjects = op.create_table('ledger_subjects',
    sa.Column('issuance', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('seq', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.PrimaryKeyConstraint('issuance', 'seq', name=op.f('pk_ledger_subjects'))
    )
    _index_existing_entries(subjects)
    with op.batch_alter_table('listings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('pledge_id', sa.String(length=36), nullable=True))
    op.create_table('pledges',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('issuance_id', sa.Integer(), nullable=False),
    sa.Column('owner_id', sa.String(length=36), nullable=False),
    sa.Column('bank_id', sa.String(length=36), nullable=False),
    sa.Column('quantity', sa.BigInteger(), nullable=False),
    sa.Column('loan', sa.BigInteger(), nullable=False),
    sa.Column('loan_term_end', sa.Date(), nullable=False),
    sa.Column('rank', sa.Integer(), nullable=False),
    sa.Column('senior_id', sa.String(length=36), nullable=True),
    sa.Column('allows_junior', sa.Boolean(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('enforcement', sa.String(length=16), nullable=True),
    sa.Column('requested_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('registered_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['bank_id'], ['parties.id'], name=op.f('fk_pledges_bank_id_parties')),
    sa.ForeignKeyConstraint(['issuance_id'], ['issuances.id'], name=op.f('fk_pledges_issuance_id_issuances')),
    sa.ForeignKeyConstraint(['owner_id'], ['parties.id'], name=op.f('fk_pledges_owner_id_parties')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pledges'))
    )
    with op.batch_alter_table('pledges', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_pledges_bank_id'), ['bank_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_pledges_issuance_id'), ['issuance_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_pledges_owner_id'), ['owner_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_pledges_status'), ['status'], unique=False)

    op.create_table('valuations',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('issuance_id', sa.Integer(), nullable=False),
    sa.Column('appraiser', sa.String(length=200), nullable=False),
    sa.Column('appraiser_credit_code', sa.String(length=18), nullable=False),
    sa.Column('method', sa.String(length=8), nullable=False),
    sa.Column('value', sa.BigInteger(), nullable=False),
    sa.Column('valued_on', sa.Date(), nullable=False),
    sa.Column('valid_until', sa.Date(), nullable=False),
    sa.Column('recorded_by', sa.String(length=36), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['issuance_id'], ['issuances.id'], name=op.f('fk_valuations_issuance_id_issuances')),
    sa.ForeignKeyConstraint(['recorded_by'], ['parties.id'], name=op.f('fk_valuations_recorded_by_parties')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_valuations'))
    )
    with op.batch_alter_table('valuations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_valuations_issuance_id'), ['issuance_id'], unique=False)



def _index_existing_entries(subjects: sa.Table) -> None:
    """Index the entries written before this table existed, as the ledger indexes new ones."""
    entries = sa.table('ledger_entries', sa.column('seq', sa.BigInteger), sa.column('canonical', sa.LargeBinary))
    rows = op.get_bind().execute(sa.select(entries.c.seq, entries.c.canonical)).all()
    entries_read = ((seq, json.loads(raw)) for seq, raw in rows)
    about = [
        {'issuance': issuance, 'seq': seq}
        for seq, entry in entries_read
        for issuance in parse_event(entry['kind'], entry['body']).subjects()
    ]
    if about:
        op.bulk_insert(subjects, about)


def downgrade() -> None:
    with op.batch_alter_table('listings', schema=None) as batch_op:
        batch_op.drop_column('pledge_id')
    with op.batch_alter_table('valuations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_valuations_issuance_id'))

    op.drop_table('valuations')
    with op.batch_alter_table('pledges', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_pledges_status'))
        batch_op.drop_index(batch_op.f('ix_pledges_owner_id'))
        batch_op.drop_index(batch_op.f('ix_pledges_issuance_id'))
        batch_op.drop_index(batch_op.f('ix_pledges_bank_id'))

    op.drop_table('pledges')
    op.drop_table('ledger_subjects')
