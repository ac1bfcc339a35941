"""Order books and listings

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28 21:27:58.674301
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0003'
down_revision: str | None = '0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('listings',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('seller_id', sa.String(length=36), nullable=False),
    sa.Column('package', sa.Boolean(), nullable=False),
    sa.Column('mode', sa.String(length=8), nullable=False),
    sa.Column('price', sa.BigInteger(), nullable=False),
    sa.Column('increment', sa.BigInteger(), nullable=False),
    sa.Column('reserve_price', sa.BigInteger(), nullable=True),
    sa.Column('reserve_public', sa.Boolean(), nullable=False),
    sa.Column('deposit', sa.BigInteger(), nullable=False),
    sa.Column('extension_minutes', sa.Integer(), nullable=False),
    sa.Column('ends_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['seller_id'], ['parties.id'], name=op.f('fk_listings_seller_id_parties')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_listings'))
    )
    with op.batch_alter_table('listings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_listings_ends_at'), ['ends_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_listings_seller_id'), ['seller_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_listings_status'), ['status'], unique=False)

    op.create_table('listing_bidders',
    sa.Column('listing_id', sa.String(length=36), nullable=False),
    sa.Column('party_id', sa.String(length=36), nullable=False),
    sa.Column('held', sa.BigInteger(), nullable=False),
    sa.Column('registered_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['listing_id'], ['listings.id'], name=op.f('fk_listing_bidders_listing_id_listings')),
    sa.ForeignKeyConstraint(['party_id'], ['parties.id'], name=op.f('fk_listing_bidders_party_id_parties')),
    sa.PrimaryKeyConstraint('listing_id', 'party_id', name=op.f('pk_listing_bidders'))
    )
    op.create_table('listing_bids',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('listing_id', sa.String(length=36), nullable=False),
    sa.Column('party_id', sa.String(length=36), nullable=False),
    sa.Column('price', sa.BigInteger(), nullable=False),
    sa.Column('quantity', sa.BigInteger(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('allocated', sa.BigInteger(), nullable=False),
    sa.Column('trade_id', sa.String(length=36), nullable=True),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['listing_id'], ['listings.id'], name=op.f('fk_listing_bids_listing_id_listings')),
    sa.ForeignKeyConstraint(['party_id'], ['parties.id'], name=op.f('fk_listing_bids_party_id_parties')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_listing_bids'))
    )
    with op.batch_alter_table('listing_bids', schema=None) as batch_op:
        batch_op.create_index('ix_listing_bids_listing', ['listing_id', 'id'], unique=False)

    op.create_table('market_rules',
    sa.Column('instrument_id', sa.String(length=36), nullable=False),
    sa.Column('tick', sa.BigInteger(), nullable=False),
    sa.Column('lot', sa.BigInteger(), nullable=False),
    sa.Column('min_quantity', sa.BigInteger(), nullable=False),
    sa.Column('max_quantity', sa.BigInteger(), nullable=False),
    sa.Column('band_bps', sa.Integer(), nullable=True),
    sa.Column('reference_price', sa.BigInteger(), nullable=True),
    sa.Column('halted', sa.Boolean(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['instrument_id'], ['instruments.id'], name=op.f('fk_market_rules_instrument_id_instruments')),
    sa.PrimaryKeyConstraint('instrument_id', name=op.f('pk_market_rules'))
    )
    op.create_table('listing_items',
    sa.Column('listing_id', sa.String(length=36), nullable=False),
    sa.Column('issuance_id', sa.Integer(), nullable=False),
    sa.Column('quantity', sa.BigInteger(), nullable=False),
    sa.Column('scale', sa.Integer(), nullable=False),
    sa.Column('years', sa.Integer(), nullable=False),
    sa.Column('owner_id', sa.String(length=36), nullable=False),
    sa.Column('contract_id', sa.String(length=36), nullable=True),
    sa.Column('value', sa.BigInteger(), nullable=True),
    sa.ForeignKeyConstraint(['issuance_id'], ['issuances.id'], name=op.f('fk_listing_items_issuance_id_issuances')),
    sa.ForeignKeyConstraint(['listing_id'], ['listings.id'], name=op.f('fk_listing_items_listing_id_listings')),
    sa.ForeignKeyConstraint(['owner_id'], ['parties.id'], name=op.f('fk_listing_items_owner_id_parties')),
    sa.PrimaryKeyConstraint('listing_id', 'issuance_id', name=op.f('pk_listing_items'))
    )
    op.create_table('orders',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('instrument_id', sa.String(length=36), nullable=False),
    sa.Column('party_id', sa.String(length=36), nullable=False),
    sa.Column('side', sa.String(length=4), nullable=False),
    sa.Column('price', sa.BigInteger(), nullable=True),
    sa.Column('quantity', sa.BigInteger(), nullable=False),
    sa.Column('remaining', sa.BigInteger(), nullable=False),
    sa.Column('filled', sa.BigInteger(), nullable=False),
    sa.Column('tif', sa.String(length=3), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('self_trade', sa.String(length=16), nullable=False),
    sa.Column('issuance_id', sa.Integer(), nullable=True),
    sa.Column('cash_per_lot', sa.BigInteger(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('reason', sa.String(length=120), nullable=True),
    sa.Column('priority', sa.BigInteger(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['instrument_id'], ['instruments.id'], name=op.f('fk_orders_instrument_id_instruments')),
    sa.ForeignKeyConstraint(['issuance_id'], ['issuances.id'], name=op.f('fk_orders_issuance_id_issuances')),
    sa.ForeignKeyConstraint(['party_id'], ['parties.id'], name=op.f('fk_orders_party_id_parties')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_orders'))
    )
    with op.batch_alter_table('orders', schema=None) as batch_op:
        batch_op.create_index('ix_orders_book', ['instrument_id', 'status', 'priority'], unique=False)
        batch_op.create_index(batch_op.f('ix_orders_expires_at'), ['expires_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_orders_party_id'), ['party_id'], unique=False)

    op.create_table('fills',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('trade_id', sa.String(length=36), nullable=False),
    sa.Column('instrument_id', sa.String(length=36), nullable=False),
    sa.Column('buy_order_id', sa.String(length=36), nullable=False),
    sa.Column('sell_order_id', sa.String(length=36), nullable=False),
    sa.Column('price', sa.BigInteger(), nullable=False),
    sa.Column('quantity', sa.BigInteger(), nullable=False),
    sa.Column('value', sa.BigInteger(), nullable=False),
    sa.Column('buyer_fee', sa.BigInteger(), nullable=False),
    sa.Column('seller_fee', sa.BigInteger(), nullable=False),
    sa.Column('aggressor', sa.String(length=4), nullable=True),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['buy_order_id'], ['orders.id'], name=op.f('fk_fills_buy_order_id_orders')),
    sa.ForeignKeyConstraint(['instrument_id'], ['instruments.id'], name=op.f('fk_fills_instrument_id_instruments')),
    sa.ForeignKeyConstraint(['sell_order_id'], ['orders.id'], name=op.f('fk_fills_sell_order_id_orders')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_fills')),
    sa.UniqueConstraint('trade_id', name=op.f('uq_fills_trade_id'))
    )
    with op.batch_alter_table('fills', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_fills_buy_order_id'), ['buy_order_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_fills_sell_order_id'), ['sell_order_id'], unique=False)
        batch_op.create_index('ix_fills_tape', ['instrument_id', 'id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('fills', schema=None) as batch_op:
        batch_op.drop_index('ix_fills_tape')
        batch_op.drop_index(batch_op.f('ix_fills_sell_order_id'))
        batch_op.drop_index(batch_op.f('ix_fills_buy_order_id'))

    op.drop_table('fills')
    with op.batch_alter_table('orders', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_orders_party_id'))
        batch_op.drop_index(batch_op.f('ix_orders_expires_at'))
        batch_op.drop_index('ix_orders_book')

    op.drop_table('orders')
    op.drop_table('listing_items')
    op.drop_table('market_rules')
    with op.batch_alter_table('listing_bids', schema=None) as batch_op:
        batch_op.drop_index('ix_listing_bids_listing')

    op.drop_table('listing_bids')
    op.drop_table('listing_bidders')
    with op.batch_alter_table('listings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_listings_status'))
        batch_op.drop_index(batch_op.f('ix_listings_seller_id'))
        batch_op.drop_index(batch_op.f('ix_listings_ends_at'))

    op.drop_table('listings')
