"""Who reads which ledger entries: the index of the parties each entry names, and read-all grants

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-30 02:00:00
"""

import json
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from registry.events import parse as parse_event
from settlement.visibility import named

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BATCH = 5_000


def upgrade() -> None:
    parties = op.create_table('ledger_parties',
    sa.Column('party', sa.String(length=36), nullable=False),
    sa.Column('seq', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.PrimaryKeyConstraint('party', 'seq', name=op.f('pk_ledger_parties'))
    )
    _index_existing_entries(parties)
    op.create_table('ledger_grants',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('auditor_id', sa.String(length=36), nullable=False),
    sa.Column('granted_by', sa.String(length=36), nullable=False),
    sa.Column('granted_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('revoked_by', sa.String(length=36), nullable=True),
    sa.ForeignKeyConstraint(['auditor_id'], ['parties.id'], name=op.f('fk_ledger_grants_auditor_id_parties')),
    sa.ForeignKeyConstraint(['granted_by'], ['parties.id'], name=op.f('fk_ledger_grants_granted_by_parties')),
    sa.ForeignKeyConstraint(['revoked_by'], ['parties.id'], name=op.f('fk_ledger_grants_revoked_by_parties')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ledger_grants'))
    )
    with op.batch_alter_table('ledger_grants', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ledger_grants_auditor_id'), ['auditor_id'], unique=False)


def _index_existing_entries(parties: sa.Table) -> None:
    """Index the entries written before this table existed, as the ledger indexes new ones: the
    actor (unless the platform) and the parties the body names."""
    entries = sa.table('ledger_entries', sa.column('seq', sa.BigInteger), sa.column('canonical', sa.LargeBinary))
    bind, start = op.get_bind(), 0
    while True:
        rows = bind.execute(
            sa.select(entries.c.seq, entries.c.canonical)
            .where(entries.c.seq >= start).order_by(entries.c.seq).limit(BATCH)
        ).all()
        if not rows:
            return
        naming = [
            {'party': party, 'seq': seq}
            for seq, entry in ((seq, json.loads(raw)) for seq, raw in rows)
            for party in named(parse_event(entry['kind'], entry['body']), entry['actor'])
        ]
        if naming:
            op.bulk_insert(parties, naming)
        start = rows[-1][0] + 1


def downgrade() -> None:
    with op.batch_alter_table('ledger_grants', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ledger_grants_auditor_id'))

    op.drop_table('ledger_grants')
    op.drop_table('ledger_parties')
