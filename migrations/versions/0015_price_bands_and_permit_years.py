"""Every instrument has a price band: each asset class's default band (basis points either side of the
reference price) as data, for instruments without one of their own, and when the registrar set the
reference price (a later close takes over from it); a permit listing's years are counted when it
settles, so listing items no longer store them

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-30 05:30:00
"""

import datetime as dt
import json
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = '0014'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# ±10%, as China's national carbon market's listed trading (挂牌协议交易) and the provincial markets
DEFAULT_BANDS = {"EP": 1000, "EPHM": 1000, "CS": 1000, "FR": 1000, "WL": 1000}


def upgrade() -> None:
    bands = op.create_table(
        'class_bands',
        sa.Column('asset_class', sa.String(length=8), nullable=False),
        sa.Column('band_bps', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ['asset_class'], ['asset_classes.code'], name=op.f('fk_class_bands_asset_class_asset_classes')
        ),
        sa.PrimaryKeyConstraint('asset_class', name=op.f('pk_class_bands')),
    )
    known = set(op.get_bind().execute(sa.text("SELECT code FROM asset_classes")).scalars())
    op.bulk_insert(bands, [{"asset_class": c, "band_bps": b} for c, b in DEFAULT_BANDS.items() if c in known])
    with op.batch_alter_table('listing_items', schema=None) as batch_op:
        batch_op.drop_column('years')
    with op.batch_alter_table('market_rules', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reference_set_at', sa.DateTime(timezone=True), nullable=True))
    # a reference set before now was set when its row last changed: at the latest, so it holds
    op.execute("UPDATE market_rules SET reference_set_at = updated_at WHERE reference_price IS NOT NULL")


def downgrade() -> None:
    with op.batch_alter_table('market_rules', schema=None) as batch_op:
        batch_op.drop_column('reference_set_at')
    with op.batch_alter_table('listing_items', schema=None) as batch_op:
        batch_op.add_column(sa.Column('years', sa.Integer(), nullable=False, server_default='1'))
    _whole_term_years()
    op.drop_table('class_bands')


def _whole_term_years() -> None:
    """What 0012 and before stored: the whole years of a unit_year item's term."""
    bind = op.get_bind()
    rows = bind.execute(
        sa.text(
            "SELECT li.listing_id, li.issuance_id, i.attributes FROM listing_items li "
            "JOIN issuances i ON i.id = li.issuance_id JOIN asset_classes a ON a.code = i.asset_class "
            "WHERE a.price_basis = 'unit_year'"
        )
    ).all()
    for listing, issuance, attributes in rows:
        found = json.loads(attributes) if isinstance(attributes, str) else attributes
        start = dt.date.fromisoformat(found["term_start"])
        end = dt.date.fromisoformat(found["term_end"]) + dt.timedelta(days=1)
        years = max(1, end.year - start.year - ((end.month, end.day) < (start.month, start.day)))
        bind.execute(
            sa.text("UPDATE listing_items SET years = :y WHERE listing_id = :l AND issuance_id = :i"),
            {"y": years, "l": listing, "i": issuance},
        )
