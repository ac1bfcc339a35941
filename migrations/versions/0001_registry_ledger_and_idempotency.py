"""Registry, ledger and idempotency tables; the built-in asset classes; an empty ledger head

Revision ID: 0001
Revises: 
Create Date: 2026-11-28 18:20:31.658414
"""

import json
from collections.abc import Sequence
from pathlib import Path

import sqlalchemy as sa
from alembic import op


DATA = Path(__file__).parent.parent / "data" / "0001_asset_classes.json"

revision: str = '0001'
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    asset_classes = op.create_table('asset_classes',
    sa.Column('code', sa.String(length=8), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('name_zh', sa.String(length=50), nullable=False),
    sa.Column('unit', sa.String(length=16), nullable=False),
    sa.Column('scale', sa.Integer(), nullable=False),
    sa.Column('price_basis', sa.String(length=16), nullable=False),
    sa.Column('retirable', sa.Boolean(), nullable=False),
    sa.Column('fungible_by', sa.JSON(), nullable=True),
    sa.Column('fungible_when', sa.JSON(), nullable=True),
    sa.Column('attribute_schema', sa.JSON(), nullable=False),
    sa.Column('term_attribute', sa.String(length=50), nullable=True),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_asset_classes'))
    )
    op.create_table('idempotency_keys',
    sa.Column('user_id', sa.String(length=36), nullable=False),
    sa.Column('key', sa.String(length=200), nullable=False),
    sa.Column('request_hash', sa.String(length=64), nullable=False),
    sa.Column('status', sa.Integer(), nullable=False),
    sa.Column('body', sa.LargeBinary(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('user_id', 'key', name=op.f('pk_idempotency_keys'))
    )
    op.create_table('ledger_entries',
    sa.Column('seq', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('canonical', sa.LargeBinary(), nullable=False),
    sa.PrimaryKeyConstraint('seq', name=op.f('pk_ledger_entries'))
    )
    ledger_head = op.create_table('ledger_head',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('size', sa.BigInteger(), nullable=False),
    sa.Column('last_leaf', sa.LargeBinary(length=32), nullable=False),
    sa.Column('frontier', sa.LargeBinary(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ledger_head'))
    )
    op.create_table('ledger_nodes',
    sa.Column('key', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('hash', sa.LargeBinary(length=32), nullable=False),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_ledger_nodes'))
    )
    op.create_table('parties',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('credit_code', sa.String(length=18), nullable=True),
    sa.Column('resident_id', sa.String(length=18), nullable=True),
    sa.Column('division', sa.String(length=6), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_parties')),
    sa.UniqueConstraint('credit_code', name=op.f('uq_parties_credit_code')),
    sa.UniqueConstraint('resident_id', name=op.f('uq_parties_resident_id'))
    )
    op.create_table('applications',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('applicant_id', sa.String(length=36), nullable=False),
    sa.Column('holder_id', sa.String(length=36), nullable=False),
    sa.Column('asset_class', sa.String(length=8), nullable=False),
    sa.Column('division', sa.String(length=6), nullable=False),
    sa.Column('vintage', sa.Integer(), nullable=False),
    sa.Column('quantity', sa.BigInteger(), nullable=False),
    sa.Column('attributes', sa.JSON(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('reviewer_id', sa.String(length=36), nullable=True),
    sa.Column('issuance_id', sa.Integer(), nullable=True),
    sa.Column('filed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('reviewed_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['applicant_id'], ['parties.id'], name=op.f('fk_applications_applicant_id_parties')),
    sa.ForeignKeyConstraint(['asset_class'], ['asset_classes.code'], name=op.f('fk_applications_asset_class_asset_classes')),
    sa.ForeignKeyConstraint(['holder_id'], ['parties.id'], name=op.f('fk_applications_holder_id_parties')),
    sa.ForeignKeyConstraint(['reviewer_id'], ['parties.id'], name=op.f('fk_applications_reviewer_id_parties')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_applications'))
    )
    with op.batch_alter_table('applications', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_applications_applicant_id'), ['applicant_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_applications_holder_id'), ['holder_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_applications_status'), ['status'], unique=False)

    op.create_table('cash_accounts',
    sa.Column('party_id', sa.String(length=36), nullable=False),
    sa.Column('balance', sa.BigInteger(), nullable=False),
    sa.Column('reserved', sa.BigInteger(), nullable=False),
    sa.CheckConstraint('balance >= 0', name=op.f('ck_cash_accounts_not_negative')),
    sa.CheckConstraint('reserved >= 0 AND reserved <= balance', name=op.f('ck_cash_accounts_reserved_within_balance')),
    sa.ForeignKeyConstraint(['party_id'], ['parties.id'], name=op.f('fk_cash_accounts_party_id_parties')),
    sa.PrimaryKeyConstraint('party_id', name=op.f('pk_cash_accounts'))
    )
    op.create_table('cash_movements',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('party_id', sa.String(length=36), nullable=False),
    sa.Column('kind', sa.String(length=24), nullable=False),
    sa.Column('amount', sa.BigInteger(), nullable=False),
    sa.Column('balance_after', sa.BigInteger(), nullable=False),
    sa.Column('bank_id', sa.String(length=36), nullable=False),
    sa.Column('reference', sa.String(length=64), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['bank_id'], ['parties.id'], name=op.f('fk_cash_movements_bank_id_parties')),
    sa.ForeignKeyConstraint(['party_id'], ['parties.id'], name=op.f('fk_cash_movements_party_id_parties')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cash_movements')),
    sa.UniqueConstraint('bank_id', 'reference', name=op.f('uq_cash_movements_bank_id'))
    )
    with op.batch_alter_table('cash_movements', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_cash_movements_party_id'), ['party_id'], unique=False)

    op.create_table('instruments',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('symbol', sa.String(length=120), nullable=False),
    sa.Column('asset_class', sa.String(length=8), nullable=False),
    sa.Column('key', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['asset_class'], ['asset_classes.code'], name=op.f('fk_instruments_asset_class_asset_classes')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_instruments')),
    sa.UniqueConstraint('symbol', name=op.f('uq_instruments_symbol'))
    )
    op.create_table('users',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('party_id', sa.String(length=36), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('role', sa.String(length=16), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['party_id'], ['parties.id'], name=op.f('fk_users_party_id_parties')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_users'))
    )
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_users_party_id'), ['party_id'], unique=False)

    op.create_table('api_keys',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('user_id', sa.String(length=36), nullable=False),
    sa.Column('key_hash', sa.String(length=64), nullable=False),
    sa.Column('prefix', sa.String(length=12), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_api_keys_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_api_keys')),
    sa.UniqueConstraint('key_hash', name=op.f('uq_api_keys_key_hash'))
    )
    with op.batch_alter_table('api_keys', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_api_keys_user_id'), ['user_id'], unique=False)

    op.create_table('issuances',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('application_id', sa.String(length=36), nullable=False),
    sa.Column('asset_class', sa.String(length=8), nullable=False),
    sa.Column('instrument_id', sa.String(length=36), nullable=True),
    sa.Column('holder_id', sa.String(length=36), nullable=False),
    sa.Column('division', sa.String(length=6), nullable=False),
    sa.Column('vintage', sa.Integer(), nullable=False),
    sa.Column('quantity', sa.BigInteger(), nullable=False),
    sa.Column('attributes', sa.JSON(), nullable=False),
    sa.Column('term_end', sa.Date(), nullable=True),
    sa.Column('confirmed_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['application_id'], ['applications.id'], name=op.f('fk_issuances_application_id_applications')),
    sa.ForeignKeyConstraint(['asset_class'], ['asset_classes.code'], name=op.f('fk_issuances_asset_class_asset_classes')),
    sa.ForeignKeyConstraint(['holder_id'], ['parties.id'], name=op.f('fk_issuances_holder_id_parties')),
    sa.ForeignKeyConstraint(['instrument_id'], ['instruments.id'], name=op.f('fk_issuances_instrument_id_instruments')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_issuances')),
    sa.UniqueConstraint('application_id', name=op.f('uq_issuances_application_id'))
    )
    with op.batch_alter_table('issuances', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_issuances_instrument_id'), ['instrument_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_issuances_term_end'), ['term_end'], unique=False)

    op.create_table('freezes',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('issuance_id', sa.Integer(), nullable=False),
    sa.Column('owner_id', sa.String(length=36), nullable=False),
    sa.Column('quantity', sa.BigInteger(), nullable=False),
    sa.Column('ranges', sa.JSON(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('regulator_id', sa.String(length=36), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('released_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['issuance_id'], ['issuances.id'], name=op.f('fk_freezes_issuance_id_issuances')),
    sa.ForeignKeyConstraint(['owner_id'], ['parties.id'], name=op.f('fk_freezes_owner_id_parties')),
    sa.ForeignKeyConstraint(['regulator_id'], ['parties.id'], name=op.f('fk_freezes_regulator_id_parties')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_freezes'))
    )
    with op.batch_alter_table('freezes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_freezes_owner_id'), ['owner_id'], unique=False)

    op.create_table('movements',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('party_id', sa.String(length=36), nullable=False),
    sa.Column('issuance_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=24), nullable=False),
    sa.Column('quantity', sa.BigInteger(), nullable=False),
    sa.Column('first', sa.BigInteger(), nullable=False),
    sa.Column('last', sa.BigInteger(), nullable=False),
    sa.Column('counterparty_id', sa.String(length=36), nullable=True),
    sa.Column('reference', sa.String(length=64), nullable=True),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['counterparty_id'], ['parties.id'], name=op.f('fk_movements_counterparty_id_parties')),
    sa.ForeignKeyConstraint(['issuance_id'], ['issuances.id'], name=op.f('fk_movements_issuance_id_issuances')),
    sa.ForeignKeyConstraint(['party_id'], ['parties.id'], name=op.f('fk_movements_party_id_parties')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_movements'))
    )
    with op.batch_alter_table('movements', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_movements_issuance_id'), ['issuance_id'], unique=False)
        batch_op.create_index('ix_movements_party_issuance', ['party_id', 'issuance_id', 'id'], unique=False)

    op.create_table('retirements',
    sa.Column('id', sa.String(length=40), nullable=False),
    sa.Column('issuance_id', sa.Integer(), nullable=False),
    sa.Column('owner_id', sa.String(length=36), nullable=False),
    sa.Column('quantity', sa.BigInteger(), nullable=False),
    sa.Column('ranges', sa.JSON(), nullable=False),
    sa.Column('beneficiary', sa.String(length=200), nullable=False),
    sa.Column('purpose', sa.String(length=24), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['issuance_id'], ['issuances.id'], name=op.f('fk_retirements_issuance_id_issuances')),
    sa.ForeignKeyConstraint(['owner_id'], ['parties.id'], name=op.f('fk_retirements_owner_id_parties')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_retirements'))
    )
    with op.batch_alter_table('retirements', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_retirements_owner_id'), ['owner_id'], unique=False)

    op.create_table('serial_blocks',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('issuance_id', sa.Integer(), nullable=False),
    sa.Column('first', sa.BigInteger(), nullable=False),
    sa.Column('last', sa.BigInteger(), nullable=False),
    sa.Column('owner_id', sa.String(length=36), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('ref', sa.String(length=64), nullable=True),
    sa.CheckConstraint('first <= last', name=op.f('ck_serial_blocks_nonempty')),
    sa.ForeignKeyConstraint(['issuance_id'], ['issuances.id'], name=op.f('fk_serial_blocks_issuance_id_issuances')),
    sa.ForeignKeyConstraint(['owner_id'], ['parties.id'], name=op.f('fk_serial_blocks_owner_id_parties')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_serial_blocks'))
    )
    with op.batch_alter_table('serial_blocks', schema=None) as batch_op:
        batch_op.create_index('ix_serial_blocks_lookup', ['issuance_id', 'owner_id', 'state'], unique=False)
        batch_op.create_index('ix_serial_blocks_owner', ['owner_id', 'state'], unique=False)



    # The four kinds of DESIGN §2, frozen as they were when this revision was written.
    op.bulk_insert(asset_classes, json.loads(DATA.read_text("utf-8")))
    op.bulk_insert(ledger_head, [{"id": 1, "size": 0, "last_leaf": bytes(32), "frontier": b""}])


def downgrade() -> None:
    with op.batch_alter_table('serial_blocks', schema=None) as batch_op:
        batch_op.drop_index('ix_serial_blocks_owner')
        batch_op.drop_index('ix_serial_blocks_lookup')

    op.drop_table('serial_blocks')
    with op.batch_alter_table('retirements', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_retirements_owner_id'))

    op.drop_table('retirements')
    with op.batch_alter_table('movements', schema=None) as batch_op:
        batch_op.drop_index('ix_movements_party_issuance')
        batch_op.drop_index(batch_op.f('ix_movements_issuance_id'))

    op.drop_table('movements')
    with op.batch_alter_table('freezes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_freezes_owner_id'))

    op.drop_table('freezes')
    with op.batch_alter_table('issuances', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_issuances_term_end'))
        batch_op.drop_index(batch_op.f('ix_issuances_instrument_id'))

    op.drop_table('issuances')
    with op.batch_alter_table('api_keys', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_api_keys_user_id'))

    op.drop_table('api_keys')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_users_party_id'))

    op.drop_table('users')
    op.drop_table('instruments')
    with op.batch_alter_table('cash_movements', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_cash_movements_party_id'))

    op.drop_table('cash_movements')
    op.drop_table('cash_accounts')
    with op.batch_alter_table('applications', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_applications_status'))
        batch_op.drop_index(batch_op.f('ix_applications_holder_id'))
        batch_op.drop_index(batch_op.f('ix_applications_applicant_id'))

    op.drop_table('applications')
    op.drop_table('parties')
    op.drop_table('ledger_nodes')
    op.drop_table('ledger_head')
    op.drop_table('ledger_entries')
    op.drop_table('idempotency_keys')
    op.drop_table('asset_classes')
