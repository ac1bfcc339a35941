"""Parcels: each land class's parcel rule (where its boundary and declared area are, and the area and
overlap tolerances), one boundary schema for forest, wetland and carbon-sink rights (a carbon-sink
project's boundary comes with its area in hectares), and the confirmed boundaries indexed by bounding box

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-30 05:30:00
"""

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = '0013'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

DATA = json.loads((Path(__file__).parent.parent / "data" / "0014_parcels.json").read_text("utf-8"))
# the forest right's boundary before: any object of type Polygon with some array of coordinates
FR_BOUNDARY_BEFORE = {
    "type": "object",
    "required": ["type", "coordinates"],
    "properties": {"type": {"const": "Polygon"}, "coordinates": {"type": "array"}},
}
classes = sa.table(
    "asset_classes",
    sa.column("code", sa.String),
    sa.column("attribute_schema", sa.JSON),
    sa.column("parcel_rule", sa.JSON),
)


def _schema(code: str) -> dict[str, Any]:
    found = op.get_bind().execute(
        sa.select(classes.c.attribute_schema).where(classes.c.code == code)
    ).scalar_one()
    return json.loads(found) if isinstance(found, str) else found


def _set(code: str, schema: dict[str, Any], rule: dict[str, Any] | None) -> None:
    op.get_bind().execute(
        classes.update().where(classes.c.code == code).values(attribute_schema=schema, parcel_rule=rule)
    )


def upgrade() -> None:
    op.add_column("asset_classes", sa.Column("parcel_rule", sa.JSON(), nullable=True))
    op.create_table(
        "parcels",
        sa.Column("issuance_id", sa.Integer(), nullable=False),
        sa.Column("asset_class", sa.String(length=8), nullable=False),
        sa.Column("min_lon", sa.Integer(), nullable=False),
        sa.Column("min_lat", sa.Integer(), nullable=False),
        sa.Column("max_lon", sa.Integer(), nullable=False),
        sa.Column("max_lat", sa.Integer(), nullable=False),
        sa.Column("lon_span", sa.Integer(), nullable=False),
        sa.Column("geometry", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["asset_class"], ["asset_classes.code"], name=op.f("fk_parcels_asset_class_asset_classes")
        ),
        sa.ForeignKeyConstraint(
            ["issuance_id"], ["issuances.id"], name=op.f("fk_parcels_issuance_id_issuances")
        ),
        sa.PrimaryKeyConstraint("issuance_id", name=op.f("pk_parcels")),
    )
    op.create_index("ix_parcels_box", "parcels", ["min_lon", "min_lat", "max_lon", "max_lat"])
    op.create_index(op.f("ix_parcels_lon_span"), "parcels", ["lon_span"])
    for code, rule in DATA["parcel_rules"].items():
        schema = _schema(code)
        schema["properties"]["boundary"] = DATA["boundary_schema"]
        if rule["area_attribute"]:
            schema["properties"][rule["area_attribute"]] = DATA["area_ha_schema"]
            schema["dependentRequired"] = {"boundary": [rule["area_attribute"]]}
        _set(code, schema, rule)


def downgrade() -> None:
    for code, rule in DATA["parcel_rules"].items():
        schema = _schema(code)
        if code == "FR":
            schema["properties"]["boundary"] = FR_BOUNDARY_BEFORE
        else:
            del schema["properties"]["boundary"]
        if rule["area_attribute"]:
            del schema["properties"][rule["area_attribute"]]
            del schema["dependentRequired"]
        _set(code, schema, None)
    op.drop_index(op.f("ix_parcels_lon_span"), table_name="parcels")
    op.drop_index("ix_parcels_box", table_name="parcels")
    op.drop_table("parcels")
    # plain DROP COLUMN (SQLite 3.35+), not a batch's table copy, which would break the foreign keys
    # that refer to asset_classes on a connection that enforces them
    op.drop_column("asset_classes", "parcel_rule")
