"""Negotiated transfers (协议转让); cash movements between parties (settlement legs)

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28 19:43:23.001044
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0002'
down_revision: str | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('offers',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('seller_id', sa.String(length=36), nullable=False),
    sa.Column('buyer_id', sa.String(length=36), nullable=False),
    sa.Column('issuance_id', sa.Integer(), nullable=False),
    sa.Column('quantity', sa.BigInteger(), nullable=False),
    sa.Column('price', sa.BigInteger(), nullable=False),
    sa.Column('value', sa.BigInteger(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('deadline', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('trade_id', sa.String(length=36), nullable=True),
    sa.Column('years', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['buyer_id'], ['parties.id'], name=op.f('fk_offers_buyer_id_parties')),
    sa.ForeignKeyConstraint(['issuance_id'], ['issuances.id'], name=op.f('fk_offers_issuance_id_issuances')),
    sa.ForeignKeyConstraint(['seller_id'], ['parties.id'], name=op.f('fk_offers_seller_id_parties')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_offers'))
    )
    with op.batch_alter_table('offers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_offers_buyer_id'), ['buyer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_offers_seller_id'), ['seller_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_offers_status'), ['status'], unique=False)

    with op.batch_alter_table('cash_movements', schema=None) as batch_op:
        batch_op.add_column(sa.Column('counterparty_id', sa.String(length=36), nullable=True))
        batch_op.alter_column('bank_id',
               existing_type=sa.VARCHAR(length=36),
               nullable=True)
        batch_op.create_foreign_key(batch_op.f('fk_cash_movements_counterparty_id_parties'), 'parties', ['counterparty_id'], ['id'])



def downgrade() -> None:
    with op.batch_alter_table('cash_movements', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_cash_movements_counterparty_id_parties'), type_='foreignkey')
        batch_op.alter_column('bank_id',
               existing_type=sa.VARCHAR(length=36),
               nullable=False)
        batch_op.drop_column('counterparty_id')

    with op.batch_alter_table('offers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_offers_status'))
        batch_op.drop_index(batch_op.f('ix_offers_seller_id'))
        batch_op.drop_index(batch_op.f('ix_offers_buyer_id'))

    op.drop_table('offers')
