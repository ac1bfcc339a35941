"""Contract years: each contract records how many contract years owe rent or a minimum dividend

Until now a contract paid only the years whose anniversary fell within its term, so a term of
2023-11-29 to 2026-11-28 paid two years of three, and a partial last year nothing, and the contract
ended short. Each contract now records the years it owes (``years_due``, beside ``years_paid``); the
scheduler pays every owed year that is over — for a contract that ended short, as a catch-up payment
with its own ledger entry, the way every payment is made. This migration only sets what is owed:
every contract year of the term, the last included, unless the contract pays nothing yearly (a
buy-out, or no rent or dividend), or a sale under its mandate ended it — then what was paid, as
before.

Revision ID: 0016
Revises: 0015
Create Date: 2026-11-30 05:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from registry.contract_years import count

revision: str = '0016'
down_revision: str | None = '0015'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

contracts = sa.table(
    'contracts',
    sa.column('id', sa.String),
    sa.column('mode', sa.String),
    sa.column('status', sa.String),
    sa.column('term_start', sa.Date),
    sa.column('term_end', sa.Date),
    sa.column('annual_rent', sa.BigInteger),
    sa.column('minimum_dividend', sa.BigInteger),
    sa.column('years_paid', sa.Integer),
    sa.column('years_due', sa.Integer),
)
listings = sa.table('listings', sa.column('id', sa.String), sa.column('contract_id', sa.String),
                    sa.column('status', sa.String))  # fmt: skip
items = sa.table('listing_items', sa.column('listing_id', sa.String), sa.column('contract_id', sa.String))


def upgrade() -> None:
    op.add_column('contracts', sa.Column('years_due', sa.Integer(), nullable=True))
    _set_years_due()
    with op.batch_alter_table('contracts', schema=None) as batch_op:
        batch_op.alter_column('years_due', existing_type=sa.Integer(), nullable=False)


def _set_years_due() -> None:
    bind = op.get_bind()
    sold = set(bind.execute(sa.select(listings.c.contract_id).where(listings.c.status == 'sold')).scalars())
    in_packages = sa.select(items.c.contract_id).join(listings, listings.c.id == items.c.listing_id)
    sold |= set(bind.execute(in_packages.where(listings.c.status == 'sold')).scalars())
    for row in bind.execute(sa.select(contracts)).all():
        yearly = row.annual_rent if row.mode == 'lease' else row.minimum_dividend
        if row.mode == 'buyout' or not yearly:
            due = 0
        elif row.status == 'ended' and row.id in sold:
            due = row.years_paid
        else:
            due = count(row.term_start, row.term_end)
        bind.execute(contracts.update().where(contracts.c.id == row.id).values(years_due=due))


def downgrade() -> None:
    op.drop_column('contracts', 'years_due')
