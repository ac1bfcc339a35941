"""Acquisition contracts and sales under mandate

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-28 21:48:34.037300
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0007'
down_revision: str | None = '0006'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('contracts',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('operator_id', sa.String(length=36), nullable=False),
    sa.Column('depositor_id', sa.String(length=36), nullable=False),
    sa.Column('issuance_id', sa.Integer(), nullable=False),
    sa.Column('quantity', sa.BigInteger(), nullable=False),
    sa.Column('mode', sa.String(length=12), nullable=False),
    sa.Column('term_start', sa.Date(), nullable=False),
    sa.Column('term_end', sa.Date(), nullable=False),
    sa.Column('price', sa.BigInteger(), nullable=False),
    sa.Column('annual_rent', sa.BigInteger(), nullable=False),
    sa.Column('minimum_dividend', sa.BigInteger(), nullable=False),
    sa.Column('revenue_share_bps', sa.Integer(), nullable=False),
    sa.Column('end_share_bps', sa.Integer(), nullable=False),
    sa.Column('floor_price', sa.BigInteger(), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('years_paid', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('signed_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['depositor_id'], ['parties.id'], name=op.f('fk_contracts_depositor_id_parties')),
    sa.ForeignKeyConstraint(['issuance_id'], ['issuances.id'], name=op.f('fk_contracts_issuance_id_issuances')),
    sa.ForeignKeyConstraint(['operator_id'], ['parties.id'], name=op.f('fk_contracts_operator_id_parties')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_contracts'))
    )
    with op.batch_alter_table('contracts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_contracts_depositor_id'), ['depositor_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_contracts_operator_id'), ['operator_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_contracts_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_contracts_term_end'), ['term_end'], unique=False)

    with op.batch_alter_table('listings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('contract_id', sa.String(length=36), nullable=True))



def downgrade() -> None:
    with op.batch_alter_table('listings', schema=None) as batch_op:
        batch_op.drop_column('contract_id')

    with op.batch_alter_table('contracts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_contracts_term_end'))
        batch_op.drop_index(batch_op.f('ix_contracts_status'))
        batch_op.drop_index(batch_op.f('ix_contracts_operator_id'))
        batch_op.drop_index(batch_op.f('ix_contracts_depositor_id'))

    op.drop_table('contracts')
