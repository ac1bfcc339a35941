"""Witnessed checkpoints and ledgered key rotation: the ledger's current verifier key on the head row,
and the witnesses' cosignatures of checkpoints

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-30 02:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = '0009'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('ledger_head', schema=None) as batch_op:
        batch_op.add_column(sa.Column('verifier_key', sa.String(length=300), nullable=True))
    op.create_table('ledger_cosignatures',
    sa.Column('witness', sa.String(length=300), nullable=False),
    sa.Column('size', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('timestamp', sa.BigInteger(), nullable=False),
    sa.Column('line', sa.String(length=420), nullable=False),
    sa.PrimaryKeyConstraint('witness', 'size', name=op.f('pk_ledger_cosignatures'))
    )


def downgrade() -> None:
    op.drop_table('ledger_cosignatures')
    with op.batch_alter_table('ledger_head', schema=None) as batch_op:
        batch_op.drop_column('verifier_key')
