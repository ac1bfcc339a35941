"""The pure parcel geometry: areas on the GRS 80 ellipsoid whatever the rings' orientation, holes and
parts, and bounding boxes that never shrink."""

from typing import Any

import pytest
from pyproj import Geod

from registry import parcel_geometry as g


def ring(west: float, south: float, side: float, *, clockwise: bool = False) -> list[list[str]]:
    points = [(west, south), (west + side, south), (west + side, south + side), (west, south + side)]
    if clockwise:
        points.reverse()
    return [[f"{x:.6f}", f"{y:.6f}"] for x, y in [*points, points[0]]]


def oracle(west: float, south: float, side: float) -> float:
    lons = [west, west + side, west + side, west]
    lats = [south, south, south + side, south + side]
    return abs(Geod(ellps="GRS80").polygon_area_perimeter(lons, lats)[0])


def parse(boundary: dict[str, Any]) -> g.Parcel:
    return g.parse(boundary, "attributes.boundary")


@pytest.mark.parametrize("clockwise", [False, True])
def test_a_square_measures_as_pyproj_measures_it_either_way_round(clockwise: bool) -> None:
    parcel = parse({"type": "Polygon", "coordinates": [ring(117.0, 27.7, 0.01, clockwise=clockwise)]})
    assert parcel.area_m2 == pytest.approx(oracle(117.0, 27.7, 0.01), rel=1e-9)


def test_holes_are_taken_out_and_parts_added() -> None:
    holed = parse({"type": "Polygon", "coordinates": [ring(117.0, 27.7, 0.01), ring(117.002, 27.702, 0.002)]})
    assert holed.area_m2 == pytest.approx(
        oracle(117.0, 27.7, 0.01) - oracle(117.002, 27.702, 0.002), rel=1e-9
    )
    two = parse(
        {
            "type": "MultiPolygon",
            "coordinates": [[ring(117.0, 27.7, 0.01)], [ring(117.02, 27.7, 0.01)]],
        }
    )
    assert two.area_m2 == pytest.approx(oracle(117.0, 27.7, 0.01) + oracle(117.02, 27.7, 0.01), rel=1e-9)


def test_the_box_covers_the_shape_in_microdegrees() -> None:
    parcel = parse({"type": "Polygon", "coordinates": [ring(117.0, 27.7, 0.01)]})
    west, south, east, north = parcel.box
    assert west <= 117_000_000 and south <= 27_700_000 and east >= 117_010_000 and north >= 27_710_000
    assert east - west <= 10_000 + 2


def test_shared_area_and_the_tolerance() -> None:
    a = parse({"type": "Polygon", "coordinates": [ring(117.0, 27.7, 0.01)]})
    edge = parse({"type": "Polygon", "coordinates": [ring(117.01, 27.7, 0.01)]})
    quarter = parse({"type": "Polygon", "coordinates": [ring(117.005, 27.705, 0.01)]})
    assert g.overlap_m2(a.shape, edge.shape) == 0.0  # touching is not sharing
    shared = g.overlap_m2(a.shape, quarter.shape)
    assert shared == pytest.approx(oracle(117.005, 27.705, 0.005), rel=1e-6)
    assert g.beyond(shared, a.area_m2, quarter.area_m2, "0.01")
    assert not g.beyond(shared, a.area_m2, quarter.area_m2, "0.3")
