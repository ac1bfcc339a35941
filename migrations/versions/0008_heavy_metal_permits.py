"""Heavy-metal emission permits in kg/a (DESIGN §2): a class of their own, as data; the tonne-based
EP class keeps the other pollutants

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-28 23:10:00
"""

import json
from collections.abc import Callable, Sequence
from pathlib import Path

import sqlalchemy as sa
from alembic import op

revision: str = '0008'
down_revision: str | None = '0007'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

DATA = Path(__file__).parent.parent / "data" / "0008_heavy_metal_permits.json"
HEAVY_METALS = ["Pb", "Hg", "Cd", "Cr", "As"]
classes = sa.table(
    'asset_classes',
    sa.column('code', sa.String),
    sa.column('name', sa.String),
    sa.column('name_zh', sa.String),
    sa.column('unit', sa.String),
    sa.column('scale', sa.Integer),
    sa.column('price_basis', sa.String),
    sa.column('retirable', sa.Boolean),
    sa.column('fungible_by', sa.JSON),
    sa.column('fungible_when', sa.JSON),
    sa.column('attribute_schema', sa.JSON),
    sa.column('term_attribute', sa.String),
)


def _set_ep_pollutants(keep: Callable[[list[str]], list[str]]) -> None:
    bind = op.get_bind()
    schema = bind.execute(sa.select(classes.c.attribute_schema).where(classes.c.code == 'EP')).scalar_one()
    schema = json.loads(schema) if isinstance(schema, str) else schema
    schema['properties']['pollutant']['enum'] = keep(schema['properties']['pollutant']['enum'])
    bind.execute(classes.update().where(classes.c.code == 'EP').values(attribute_schema=schema))


def upgrade() -> None:
    op.bulk_insert(classes, [json.loads(DATA.read_text("utf-8"))])
    _set_ep_pollutants(lambda enum: [p for p in enum if p not in HEAVY_METALS])


def downgrade() -> None:
    _set_ep_pollutants(lambda enum: [*enum, *HEAVY_METALS])
    op.execute(classes.delete().where(classes.c.code == 'EPHM'))
