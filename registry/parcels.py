"""Parcels and overlap: one piece of land is registered once per kind of right.

A land-based right (林权, 湿地, a carbon-sink project) may carry its boundary; its asset class's
``parcel_rule`` says where (``registry.parcel_geometry.ParcelRule``). On filing, the boundary is checked
and measured against the declared area. At confirmation, a boundary that overlaps a live right of the
same class by more than the class's tolerance is refused, naming that right; overlaps with rights of
other classes (a carbon-sink project on registered forest land) are allowed, and shown to the regulator
on the application with every other overlap.

Confirmed boundaries are kept in ``parcels`` by bounding box: the parcels that may touch a new one are
an index range on the box's west edge, bounded by the widest parcel registered, then exact GEOS
intersections on those few. Confirmations of one class are serialised on its ``asset_classes`` row
(``SELECT … FOR NO KEY UPDATE`` on PostgreSQL; SQLite runs one writer at a time), so of two
overlapping parcels confirmed at the same moment one is refused.
"""

import datetime as dt
from dataclasses import dataclass
from typing import Any

import shapely
from sqlalchemy import Date, Integer, bindparam, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from registry import context as c
from registry import parcel_geometry as g
from registry.assets import AssetClass
from registry.claims import live
from registry.quantities import Quantity
from registry.tables import AssetClassRow, IssuanceRow, ParcelRow


@dataclass(frozen=True, slots=True)
class Overlap:
    """A live right whose parcel shares land with the one applied for."""

    issuance: int
    asset_class: str
    overlap_m2: str
    refuses: bool  # the same class, beyond its tolerance: confirmation is refused


def boundary_of(cls: AssetClass, attributes: dict[str, Any]) -> dict[str, Any] | None:
    rule = cls.parcel_rule
    return attributes.get(rule.boundary) if rule is not None else None


def with_decimal_boundary(cls: AssetClass, attributes: dict[str, Any]) -> dict[str, Any]:
    """The attributes as they are stored and ledgered: the boundary's coordinates decimal strings."""
    boundary = boundary_of(cls, attributes)
    if cls.parcel_rule is None or boundary is None:
        return attributes
    return {**attributes, cls.parcel_rule.boundary: g.decimal_coordinates(boundary)}


def check_filing(cls: AssetClass, attributes: dict[str, Any], quantity: Quantity) -> None:
    """Check a filed boundary's shape, place and area (the attributes have passed the schema)."""
    rule, boundary = cls.parcel_rule, boundary_of(cls, attributes)
    if rule is None or boundary is None:
        return
    field = f"attributes.{rule.boundary}"
    parcel = g.parse(boundary, field)
    declared = (
        quantity
        if rule.area_attribute is None
        else Quantity.parse(
            attributes[rule.area_attribute], g.AREA_SCALE, field=f"attributes.{rule.area_attribute}"
        )
    )
    g.check_area(parcel, declared, rule, field)


async def overlaps(
    session: AsyncSession,
    cls: AssetClass,
    attributes: dict[str, Any],
    today: dt.date,
    *,
    exclude: int | None = None,
) -> tuple[Overlap, ...] | None:
    """The live rights whose parcels share land with this boundary (None without one)."""
    boundary = boundary_of(cls, attributes)
    if cls.parcel_rule is None or boundary is None:
        return None
    parcel = g.parse(boundary, f"attributes.{cls.parcel_rule.boundary}")
    return await _overlaps(session, cls, parcel, today, exclude)


async def _overlaps(
    session: AsyncSession, cls: AssetClass, parcel: g.Parcel, today: dt.date, exclude: int | None
) -> tuple[Overlap, ...]:
    assert cls.parcel_rule is not None
    found = []
    for issuance, asset_class, wkb in await _candidates(session, parcel.box, today):
        if issuance == exclude:
            continue
        other = shapely.from_wkb(wkb)
        shared = g.overlap_m2(parcel.shape, other)
        if shared > 0:
            refuses = asset_class == cls.code and g.beyond(
                shared, parcel.area_m2, g.area_m2(other), cls.parcel_rule.overlap_tolerance
            )
            found.append(Overlap(issuance, asset_class, g.square_metres(shared), refuses))
    return tuple(found)


async def _candidates(
    session: AsyncSession, box: tuple[int, int, int, int], today: dt.date
) -> list[tuple[int, str, bytes]]:
    """Live parcels whose boxes meet ``box``."""
    west, south, east, north = box
    bounds = {"west": west, "south": south, "east": east, "north": north, "today": today}
    return [(row[0], row[1], row[2]) for row in await session.execute(_CANDIDATES, bounds)]


# A range of the box index on the west edge, no wider than the widest parcel registered (read once,
# from its own index); built once, as the check runs on every review and confirmation.
_WIDEST = select(func.max(ParcelRow.lon_span)).scalar_subquery()
_CANDIDATES = (
    select(ParcelRow.issuance_id, ParcelRow.asset_class, ParcelRow.geometry)
    .join(IssuanceRow, IssuanceRow.id == ParcelRow.issuance_id)
    .where(
        ParcelRow.min_lon >= bindparam("west", type_=Integer) - _WIDEST,
        ParcelRow.min_lon <= bindparam("east", type_=Integer),
        ParcelRow.max_lon >= bindparam("west", type_=Integer),
        ParcelRow.min_lat <= bindparam("north", type_=Integer),
        ParcelRow.max_lat >= bindparam("south", type_=Integer),
        live(bindparam("today", type_=Date)),
    )
    .order_by(ParcelRow.issuance_id)
)


async def claim(work: c.Work, cls: AssetClass, attributes: dict[str, Any]) -> g.Parcel | None:
    """Before confirming: hold the class's confirmations, and refuse a parcel that overlaps a live
    right of the same class beyond the class's tolerance. Returns the parcel to ``record``."""
    boundary = boundary_of(cls, attributes)
    if cls.parcel_rule is None or boundary is None:
        return None
    # FOR NO KEY UPDATE: it excludes the class's other claims, but not the key-share locks that
    # inserting an issuance or instrument of the class takes (FOR UPDATE would, and could deadlock)
    held = select(AssetClassRow.code).where(AssetClassRow.code == cls.code).with_for_update(key_share=True)
    await work.session.execute(held)
    parcel = g.parse(boundary, f"attributes.{cls.parcel_rule.boundary}")
    for overlap in await _overlaps(work.session, cls, parcel, work.now.date(), None):
        if overlap.refuses:
            raise g.ParcelOverlaps(
                f"attributes.{cls.parcel_rule.boundary}",
                issuance=overlap.issuance,
                asset_class=overlap.asset_class,
                overlap_m2=overlap.overlap_m2,
                tolerance=cls.parcel_rule.overlap_tolerance,
            )
    return parcel


def record(work: c.Work, cls: AssetClass, issuance: int, parcel: g.Parcel | None) -> None:
    """Index a confirmed right's parcel (claimed in the same transaction)."""
    if parcel is not None:
        work.session.add(parcel_row(cls.code, issuance, parcel))


def parcel_row(asset_class: str, issuance: int, parcel: g.Parcel) -> ParcelRow:
    west, south, east, north = parcel.box
    return ParcelRow(
        issuance_id=issuance,
        asset_class=asset_class,
        min_lon=west,
        min_lat=south,
        max_lon=east,
        max_lat=north,
        lon_span=east - west,
        geometry=parcel.wkb,
    )
