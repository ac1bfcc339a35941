"""Parcel geometry: a right's boundary checked, measured on the ellipsoid and compared (pure: no database).

A boundary is a GeoJSON Polygon or MultiPolygon in longitude-latitude (WGS 84 / CGCS2000, which agree to
well under a metre here). Its coordinates may come as GeoJSON's numbers or as decimal strings, and are
kept as decimal strings (``decimal_coordinates``): the ledger holds no floats (DESIGN §5), and a
boundary is part of a right's attributes, which the ledger records. GEOS (through shapely) judges the
shape; areas are geodesic, on the GRS 80 ellipsoid that CGCS2000 uses (its flattening differs from
GRS 80's by about 1e-10 — nothing at a parcel's size), by pyproj's ``Geod``, so that no projection
distorts them. Areas are floats from the library; every
comparison with a declared area or a tolerance is made in exact fractions, and areas leave here as
decimal strings.
"""

import math
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal
from fractions import Fraction
from typing import Any

import shapely
from pyproj import Geod
from shapely.geometry import MultiPolygon, Polygon
from shapely.geometry.base import BaseGeometry
from shapely.geometry.polygon import orient

from registry.errors import Conflict, InvalidAttributes, InvalidInput
from registry.quantities import Quantity

# Jiangxi spans 113°34′36″–118°28′58″ E and 24°29′14″–30°04′41″ N: a boundary must lie within this box.
JIANGXI = (Decimal("113.5"), Decimal("24.4"), Decimal("118.5"), Decimal("30.1"))
MICRO = 1_000_000  # bounding boxes are stored in microdegrees (about 0.1 m), as integers
MAX_VERTICES = 20_000  # a cadastral parcel has tens to hundreds; this bounds the work one filing costs
SQUARE_METRES = {"mu": Fraction(10_000, 15), "ha": Fraction(10_000)}  # 1 ha = 15 亩 = 10,000 m²
UNIT_NAMES = {"mu": "亩", "ha": "公顷"}
AREA_SCALE = 4  # a declared area attribute's decimals: 0.0001 ha is one square metre
_GRS80 = Geod(ellps="GRS80")

# The JSON Schema of a boundary attribute: GeoJSON (RFC 7946 §3.1.6–3.1.7) whose coordinates are numbers
# or decimal strings to 1e-9 degree. An asset class with a parcel rule gives its boundary attribute
# exactly this schema, so that what reaches ``decimal_coordinates`` and ``parse`` is of this shape.
_POSITION = {
    "type": "array",
    "minItems": 2,
    "maxItems": 2,
    "items": {
        "anyOf": [
            {"type": "number", "minimum": -180, "maximum": 180},
            {"type": "string", "pattern": "^-?[0-9]{1,3}(\\.[0-9]{1,9})?$"},
        ]
    },
}
DEGREE_PLACES = Decimal("1e-9")  # a coordinate's finest step kept: about 0.1 mm
_RING = {"type": "array", "minItems": 4, "maxItems": MAX_VERTICES, "items": _POSITION}
_POLYGON = {"type": "array", "minItems": 1, "maxItems": 100, "items": _RING}
BOUNDARY_SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "required": ["type", "coordinates"],
    "properties": {"type": {"enum": ["Polygon", "MultiPolygon"]}, "coordinates": {"type": "array"}},
    "if": {"properties": {"type": {"const": "Polygon"}}},
    "then": {"properties": {"coordinates": _POLYGON}},
    "else": {
        "properties": {"coordinates": {"type": "array", "minItems": 1, "maxItems": 100, "items": _POLYGON}}
    },
}


@dataclass(frozen=True, slots=True)
class ParcelRule:
    """How an asset class's rights carry land (as data, beside its attribute schema).

    ``boundary`` names the attribute that holds the GeoJSON; the declared area is the quantity
    (``area_attribute`` None) or that attribute's decimal string, in ``area_unit`` (``mu`` 亩 or ``ha``
    公顷). The measured area may differ from the declared one by ``area_tolerance`` of it (a decimal
    fraction: "0.05" is 5%). Two parcels overlap beyond ``overlap_tolerance`` when the area they
    share is more than that fraction of the smaller one ("0.01": slivers from two surveys of one
    boundary pass, a shared field does not)."""

    boundary: str
    area_attribute: str | None
    area_unit: str
    area_tolerance: str
    overlap_tolerance: str

    @classmethod
    def from_json(cls, value: dict[str, Any]) -> "ParcelRule":
        return cls(
            value["boundary"],
            value.get("area_attribute"),
            value["area_unit"],
            value["area_tolerance"],
            value["overlap_tolerance"],
        )


@dataclass(frozen=True, slots=True)
class Parcel:
    """A checked boundary: its shape, its geodesic area (m²) and its bounding box in microdegrees."""

    shape: BaseGeometry
    area_m2: float
    box: tuple[int, int, int, int]  # min lon, min lat, max lon, max lat (rounded outwards)

    @property
    def wkb(self) -> bytes:
        return shapely.to_wkb(self.shape)


class RingNotClosed(InvalidAttributes):
    title = "Ring not closed"
    template = "ring {ring} of the boundary does not end at its first position"


class TooManyVertices(InvalidAttributes):
    title = "Too many vertices"
    template = "the boundary has {vertices} positions; at most {limit} are taken"


class BoundaryNotValid(InvalidAttributes):
    title = "Boundary not a valid polygon"
    # ``reason`` is GEOS's own words (``explain_validity``): the fault and where it is
    template = "the boundary is not a valid polygon: {reason}"


class BoundaryOutsideJiangxi(InvalidAttributes):
    title = "Boundary outside Jiangxi"
    template = (
        "the boundary reaches beyond Jiangxi (longitude {min_lon} to {max_lon}, "
        "latitude {min_lat} to {max_lat}): its extent is {extent}"
    )


class AreaOffDeclared(InvalidAttributes):
    title = "Area off the declared area"
    template = (
        "the boundary encloses {computed} {unit}; {declared} {unit} were declared, "
        "and they may differ by {tolerance} of it at most"
    )


class ParcelOverlaps(Conflict):
    title = "Parcel overlaps a registered right"
    template = (
        "the boundary overlaps issuance {issuance} ({asset_class}) by {overlap_m2} m², "
        "more than {tolerance} of the smaller parcel"
    )


class InvalidParcelRule(InvalidInput):
    title = "Invalid parcel rule"
    template = "the parcel rule is not usable: {reason}"


def decimal_coordinates(boundary: dict[str, Any]) -> dict[str, Any]:
    """The boundary with every coordinate a decimal string (a number's shortest form, to 1e-9 degree),
    as it is stored and ledgered; ``boundary`` has passed the class's schema."""
    return {**boundary, "coordinates": _decimals(boundary["coordinates"])}


def _decimals(value: Any) -> Any:
    if isinstance(value, list):
        return [_decimals(item) for item in value]
    if isinstance(value, str):
        return value
    exact = Decimal(repr(value))  # the float's shortest form, as the client wrote it
    if exact.as_tuple().exponent < -9:  # type: ignore[operator]  # finite: the schema bounds it
        exact = exact.quantize(DEGREE_PLACES, rounding=ROUND_HALF_EVEN)
    return format(exact, "f")


def parse(boundary: dict[str, Any], field: str) -> Parcel:
    """The boundary as a checked parcel; ``boundary`` has passed the class's schema already
    (a Polygon or MultiPolygon of decimal-string positions)."""
    polygons = [boundary["coordinates"]] if boundary["type"] == "Polygon" else boundary["coordinates"]
    rings = [ring for polygon in polygons for ring in polygon]
    vertices = sum(len(ring) for ring in rings)
    if vertices > MAX_VERTICES:
        raise TooManyVertices(field, vertices=vertices, limit=MAX_VERTICES)
    for n, ring in enumerate(rings):
        if [Decimal(x) for x in ring[0]] != [Decimal(x) for x in ring[-1]]:
            raise RingNotClosed(field, ring=n)
    _within_jiangxi(rings, field)
    shapes = [Polygon(_points(p[0]), [_points(hole) for hole in p[1:]]) for p in polygons]
    shape: BaseGeometry = shapes[0] if boundary["type"] == "Polygon" else MultiPolygon(shapes)
    if not shape.is_valid:
        raise BoundaryNotValid(field, reason=shapely.is_valid_reason(shape))
    return Parcel(shape, area_m2(shape), _box(shape))


def _points(ring: list[list[str]]) -> list[tuple[float, float]]:
    return [(float(lon), float(lat)) for lon, lat in ring]


def _within_jiangxi(rings: list[list[list[str]]], field: str) -> None:
    lons = [Decimal(lon) for ring in rings for lon, _ in ring]
    lats = [Decimal(lat) for ring in rings for _, lat in ring]
    min_lon, min_lat, max_lon, max_lat = JIANGXI
    if min(lons) < min_lon or max(lons) > max_lon or min(lats) < min_lat or max(lats) > max_lat:
        raise BoundaryOutsideJiangxi(
            field,
            min_lon=str(min_lon),
            max_lon=str(max_lon),
            min_lat=str(min_lat),
            max_lat=str(max_lat),
            extent=f"{min(lons)}–{max(lons)} E, {min(lats)}–{max(lats)} N",
        )


def _box(shape: BaseGeometry) -> tuple[int, int, int, int]:
    """The bounding box in microdegrees, widened by one so that float rounding never shrinks it."""
    west, south, east, north = shape.bounds
    return (
        math.floor(west * MICRO) - 1,
        math.floor(south * MICRO) - 1,
        math.ceil(east * MICRO) + 1,
        math.ceil(north * MICRO) + 1,
    )


def area_m2(shape: BaseGeometry) -> float:
    """The geodesic area of the polygons in ``shape`` (lines and points where two parcels only touch
    have none), each oriented as pyproj counts area positive: the shell anticlockwise, holes clockwise."""
    return sum(_GRS80.geometry_area_perimeter(orient(p, sign=1.0))[0] for p in _polygons(shape))


def _polygons(shape: BaseGeometry) -> Iterator[Polygon]:
    for part in shapely.get_parts(shape):
        if isinstance(part, MultiPolygon):
            yield from part.geoms
        elif isinstance(part, Polygon):
            yield part


def check_area(parcel: Parcel, declared: Quantity, rule: ParcelRule, field: str) -> None:
    """Refuse a boundary whose area differs from the declared one by more than the rule allows."""
    per_unit = SQUARE_METRES[rule.area_unit]
    declared_m2 = Fraction(declared.units, 10**declared.scale) * per_unit
    measured = Fraction(parcel.area_m2)
    tolerance = Fraction(Decimal(rule.area_tolerance))
    if abs(measured - declared_m2) > tolerance * declared_m2:
        places = Decimal(1).scaleb(-max(2, declared.scale))
        raise AreaOffDeclared(
            field,
            computed=str(_decimal(measured / per_unit, places)),
            declared=str(declared),
            unit=UNIT_NAMES[rule.area_unit],
            tolerance=rule.area_tolerance,
        )


def overlap_m2(a: BaseGeometry, b: BaseGeometry) -> float:
    """The geodesic area two parcels share (0 where they only touch)."""
    return area_m2(a.intersection(b)) if a.intersects(b) else 0.0


def beyond(shared_m2: float, a_m2: float, b_m2: float, tolerance: str) -> bool:
    """Whether two parcels share more than ``tolerance`` of the smaller one."""
    return Fraction(shared_m2) > Fraction(Decimal(tolerance)) * Fraction(min(a_m2, b_m2))


def square_metres(area: float) -> str:
    """An area as the decimal string the wire carries, to the square decimetre."""
    return str(_decimal(Fraction(area), Decimal("0.01")))


def check_rule(rule: dict[str, Any], schema: dict[str, Any]) -> None:
    """Refuse a parcel rule whose boundary attribute is not a boundary by ``BOUNDARY_SCHEMA``, or
    whose area attribute a boundary may come without."""
    boundary, area = rule["boundary"], rule.get("area_attribute")
    if schema.get("properties", {}).get(boundary) != BOUNDARY_SCHEMA:
        raise InvalidParcelRule(
            "parcel_rule.boundary", reason=f"the schema must give {boundary} the boundary schema"
        )
    needed = set(schema.get("required", [])) | set(schema.get("dependentRequired", {}).get(boundary, []))
    if area is not None and area not in needed:
        raise InvalidParcelRule(
            "parcel_rule.area_attribute", reason=f"the schema must require {area} with {boundary}"
        )


def _decimal(value: Fraction, places: Decimal) -> Decimal:
    exact = Decimal(value.numerator) / Decimal(value.denominator)
    return exact.quantize(places, rounding=ROUND_HALF_EVEN)
