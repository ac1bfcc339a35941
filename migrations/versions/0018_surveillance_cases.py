"""Surveillance cases: alerts kept with an id, a natural key, a status and who moved it

Revision ID: 0018
Revises: 0017
Create Date: 2026-11-30 05:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0018"
down_revision: str | None = '0017'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('surveillance_cases',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('natural_key', sa.String(length=64), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('severity', sa.String(length=8), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('market', sa.String(length=64), nullable=False),
    sa.Column('symbol', sa.String(length=120), nullable=True),
    sa.Column('detail', sa.Text(), nullable=False),
    sa.Column('trades', sa.JSON(), nullable=False),
    sa.Column('parties', sa.JSON(), nullable=False),
    sa.Column('path', sa.JSON(), nullable=True),
    sa.Column('opened_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('acknowledged_by', sa.String(length=36), nullable=True),
    sa.Column('acknowledged_by_name', sa.String(length=100), nullable=True),
    sa.Column('acknowledged_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('closed_by', sa.String(length=36), nullable=True),
    sa.Column('closed_by_name', sa.String(length=100), nullable=True),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_surveillance_cases')),
    sa.UniqueConstraint('natural_key', name=op.f('uq_surveillance_cases_natural_key'))
    )
    with op.batch_alter_table('surveillance_cases', schema=None) as batch_op:
        batch_op.create_index('ix_surveillance_cases_filter', ['status', 'kind', 'market'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('surveillance_cases', schema=None) as batch_op:
        batch_op.drop_index('ix_surveillance_cases_filter')

    op.drop_table('surveillance_cases')
