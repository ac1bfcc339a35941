"""Identity of a right: each asset class declares the attributes that name one right and its date
ranges; applications and issuances carry the key of their identity; one lockable row per identity

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-30 05:30:00
"""

import json
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

from registry.identity import Identity

revision: str = "0013"
down_revision: str | None = '0012'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PERMIT = {"by": ["permit_no", "pollutant"]}
DECLARED: dict[str, tuple[dict[str, Any], list[list[str]]]] = {
    "EP": (PERMIT, [["term_start", "term_end"]]),
    "EPHM": (PERMIT, [["term_start", "term_end"]]),
    "FR": ({"by": ["unit_no"]}, []),
    "WL": ({"by": ["unit_no"], "when": {"form": "operation_right"}}, []),
    "CS": ({"by": ["project_id"], "period": ["monitoring_start", "monitoring_end"]}, [["monitoring_start", "monitoring_end"]]),
}
UNIT_NO = {"type": "string", "pattern": "^[0-9]{12}[A-Z]{2}[0-9]{5}[A-Z][0-9]{8}$"}  # as the forest right's
OPERATION_RIGHT_NEEDS_UNIT_NO = {
    "if": {"properties": {"form": {"const": "operation_right"}}, "required": ["form"]},
    "then": {"required": ["unit_no"]},
}

classes = sa.table(
    'asset_classes',
    sa.column('code', sa.String),
    sa.column('attribute_schema', sa.JSON),
    sa.column('identity', sa.JSON),
    sa.column('date_ranges', sa.JSON),
)
applications = sa.table(
    'applications',
    sa.column('id', sa.String),
    sa.column('asset_class', sa.String),
    sa.column('attributes', sa.JSON),
    sa.column('identity', sa.String),
)
issuances = sa.table(
    'issuances',
    sa.column('id', sa.Integer),
    sa.column('asset_class', sa.String),
    sa.column('attributes', sa.JSON),
    sa.column('identity', sa.String),
)


def upgrade() -> None:
    op.add_column('asset_classes', sa.Column('identity', sa.JSON(), nullable=True))
    op.add_column('asset_classes', sa.Column('date_ranges', sa.JSON(), nullable=True))
    op.create_table('right_identities',
    sa.Column('asset_class', sa.String(length=8), nullable=False),
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['asset_class'], ['asset_classes.code'], name=op.f('fk_right_identities_asset_class_asset_classes')),
    sa.PrimaryKeyConstraint('asset_class', 'key', name=op.f('pk_right_identities'))
    )
    for table in ('applications', 'issuances'):
        op.add_column(table, sa.Column('identity', sa.String(length=64), nullable=True))
        op.create_index(op.f(f'ix_{table}_identity'), table, ['identity'], unique=False)
    bind = op.get_bind()
    for code, (identity, ranges) in DECLARED.items():
        bind.execute(classes.update().where(classes.c.code == code).values(identity=identity, date_ranges=ranges))
    _set_wetland_schema(lambda schema: {
        **schema,
        "properties": {**schema["properties"], "unit_no": UNIT_NO},
        **OPERATION_RIGHT_NEEDS_UNIT_NO,
    })
    _key_existing_rights()


def _key_existing_rights() -> None:
    """Rights filed before identities were declared get their keys, as filing now gives them."""
    bind = op.get_bind()
    declared = {code: Identity.of(identity) for code, (identity, _) in DECLARED.items()}
    for table in (applications, issuances):
        for row_id, asset_class, attributes in bind.execute(sa.select(table.c.id, table.c.asset_class, table.c.attributes)):
            identity = declared.get(asset_class)
            attributes = json.loads(attributes) if isinstance(attributes, str) else attributes
            key = identity.key(attributes) if identity else None
            if key is not None:
                bind.execute(table.update().where(table.c.id == row_id).values(identity=key))


def _set_wetland_schema(change: Any) -> None:
    bind = op.get_bind()
    schema = bind.execute(sa.select(classes.c.attribute_schema).where(classes.c.code == 'WL')).scalar_one_or_none()
    if schema is None:
        return
    schema = json.loads(schema) if isinstance(schema, str) else schema
    bind.execute(classes.update().where(classes.c.code == 'WL').values(attribute_schema=change(schema)))


def downgrade() -> None:
    _set_wetland_schema(lambda schema: {
        **{k: v for k, v in schema.items() if k not in OPERATION_RIGHT_NEEDS_UNIT_NO},
        "properties": {k: v for k, v in schema["properties"].items() if k != "unit_no"},
    })
    for table in ('issuances', 'applications'):
        op.drop_index(op.f(f'ix_{table}_identity'), table_name=table)
        op.drop_column(table, 'identity')
    op.drop_table('right_identities')
    op.drop_column('asset_classes', 'date_ranges')
    op.drop_column('asset_classes', 'identity')
