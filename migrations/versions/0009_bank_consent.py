"""Consents that let a named bank ask about a party's rights; the settlement bank serving each
party's cash account

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-30 02:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = "0009"
down_revision: str | None = '0008'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('settlement_banks',
    sa.Column('party_id', sa.String(length=36), nullable=False),
    sa.Column('bank_id', sa.String(length=36), nullable=False),
    sa.Column('designated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['bank_id'], ['parties.id'], name=op.f('fk_settlement_banks_bank_id_parties')),
    sa.ForeignKeyConstraint(['party_id'], ['parties.id'], name=op.f('fk_settlement_banks_party_id_parties')),
    sa.PrimaryKeyConstraint('party_id', name=op.f('pk_settlement_banks'))
    )
    with op.batch_alter_table('settlement_banks', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_settlement_banks_bank_id'), ['bank_id'], unique=False)

    op.create_table('consents',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('party_id', sa.String(length=36), nullable=False),
    sa.Column('bank_id', sa.String(length=36), nullable=False),
    sa.Column('issuance_id', sa.Integer(), nullable=True),
    sa.Column('granted_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['bank_id'], ['parties.id'], name=op.f('fk_consents_bank_id_parties')),
    sa.ForeignKeyConstraint(['issuance_id'], ['issuances.id'], name=op.f('fk_consents_issuance_id_issuances')),
    sa.ForeignKeyConstraint(['party_id'], ['parties.id'], name=op.f('fk_consents_party_id_parties')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_consents'))
    )
    with op.batch_alter_table('consents', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_consents_bank_id'), ['bank_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_consents_party_id'), ['party_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('consents', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_consents_party_id'))
        batch_op.drop_index(batch_op.f('ix_consents_bank_id'))

    op.drop_table('consents')
    with op.batch_alter_table('settlement_banks', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_settlement_banks_bank_id'))

    op.drop_table('settlement_banks')
