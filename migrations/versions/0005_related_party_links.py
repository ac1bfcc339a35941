"""Related-party links

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-28 21:41:29.707399
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0005'
down_revision: str | None = '0004'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('party_links',
    sa.Column('party_a', sa.String(length=36), nullable=False),
    sa.Column('party_b', sa.String(length=36), nullable=False),
    sa.Column('kind', sa.String(length=24), nullable=False),
    sa.Column('declared_by', sa.String(length=36), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['declared_by'], ['parties.id'], name=op.f('fk_party_links_declared_by_parties')),
    sa.ForeignKeyConstraint(['party_a'], ['parties.id'], name=op.f('fk_party_links_party_a_parties')),
    sa.ForeignKeyConstraint(['party_b'], ['parties.id'], name=op.f('fk_party_links_party_b_parties')),
    sa.PrimaryKeyConstraint('party_a', 'party_b', 'kind', name=op.f('pk_party_links'))
    )


def downgrade() -> None:
    op.drop_table('party_links')
