"""Parcels and overlap (issue 11 point 2): a land right's boundary is checked and measured on filing,
a second right of the same kind on the same land is refused at confirmation, and a right of another
kind on it is shown to the regulator."""

from typing import Any

import pytest
from pyproj import Geod

from registry.parcel_geometry import BOUNDARY_SCHEMA
from tests.platform import ATTRIBUTES, Member, Platform

pytestmark = pytest.mark.anyio

# 资溪县 (361028), where the test templates' rights lie
LON, LAT = 117.06, 27.70


def ring(*points: tuple[float, float]) -> list[list[str]]:
    """A closed ring of decimal-string positions, as the wire carries them."""
    return [[f"{lon:.6f}", f"{lat:.6f}"] for lon, lat in [*points, points[0]]]


def square(west: float, south: float, side: float = 0.01) -> dict[str, Any]:
    """A square parcel (anticlockwise), about 1 km a side at the default size."""
    east, north = west + side, south + side
    return {
        "type": "Polygon",
        "coordinates": [ring((west, south), (east, south), (east, north), (west, north))],
    }


def area_m2(boundary: dict[str, Any]) -> float:
    """The boundary's area by pyproj alone, on the GRS 80 ellipsoid: the oracle for the declared areas."""
    lons, lats = zip(*[(float(x), float(y)) for x, y in boundary["coordinates"][0]], strict=True)
    return abs(Geod(ellps="GRS80").polygon_area_perimeter(lons, lats)[0])


def mu(boundary: dict[str, Any], factor: float = 1.0) -> str:
    return f"{area_m2(boundary) * factor * 15 / 10_000:.2f}"


def forest(boundary: dict[str, Any], n: int) -> dict[str, Any]:
    """A forest right's attributes with its own unit number (不动产单元号) and this boundary."""
    return {**ATTRIBUTES["FR"], "unit_no": f"361028001002JL{n:05d}L{n:08d}", "boundary": boundary}


def carbon(boundary: dict[str, Any]) -> dict[str, Any]:
    return {**ATTRIBUTES["CS"], "boundary": boundary, "area_ha": f"{area_m2(boundary) / 10_000:.4f}"}


async def file_forest(platform: Platform, holder: Member, boundary: dict[str, Any], n: int) -> str:
    filed = await platform.apply(holder, "FR", mu(boundary), attributes=forest(boundary, n))
    assert filed.status_code == 201, filed.text
    return str(filed.json()["id"])


async def test_a_self_intersecting_ring_is_refused_naming_the_field(platform: Platform) -> None:
    holder = await platform.onboard("collective", "361028")
    right = square(LON, LAT)
    bowtie = {
        "type": "Polygon",
        "coordinates": [ring((LON, LAT), (LON + 0.01, LAT + 0.01), (LON + 0.01, LAT), (LON, LAT + 0.01))],
    }
    before = await platform.fingerprint()
    refused = await platform.apply(holder, "FR", mu(right), attributes=forest(bowtie, 1))
    assert refused.status_code == 422, refused.text
    problem = refused.json()
    assert problem["field"] == "attributes.boundary"
    assert problem["type"].endswith("boundary-not-valid")
    assert problem["reason"].startswith("Self-intersection")
    assert await platform.fingerprint() == before


async def test_an_open_ring_is_refused(platform: Platform) -> None:
    holder = await platform.onboard("collective", "361028")
    right = square(LON, LAT)
    open_ring = {"type": "Polygon", "coordinates": [[*right["coordinates"][0][:-1], ["117.061", "27.70"]]]}
    refused = await platform.apply(holder, "FR", mu(right), attributes=forest(open_ring, 1))
    assert refused.status_code == 422 and refused.json()["type"].endswith("ring-not-closed"), refused.text


async def test_geojson_numbers_are_kept_as_decimal_strings(platform: Platform) -> None:
    """A GIS exports GeoJSON with numbers; the register keeps (and ledgers) them as decimal strings."""
    holder = await platform.onboard("collective", "361028")
    right = square(LON, LAT)
    numbers = {"type": "Polygon", "coordinates": [[[float(x), float(y)] for x, y in right["coordinates"][0]]]}
    filed = await platform.apply(holder, "FR", mu(right), attributes=forest(numbers, 1))
    assert filed.status_code == 201, filed.text
    assert filed.json()["attributes"]["boundary"] == {
        "type": "Polygon",
        "coordinates": [[[str(float(x)), str(float(y))] for x, y in right["coordinates"][0]]],
    }
    too_far = {"type": "Polygon", "coordinates": [[[181.0, 27.7], *numbers["coordinates"][0][1:]]]}
    refused = await platform.apply(holder, "FR", mu(right), attributes=forest(too_far, 2))
    assert refused.status_code == 422 and refused.json()["field"].startswith(
        "attributes.boundary.coordinates"
    )


async def test_a_boundary_outside_jiangxi_is_refused(platform: Platform) -> None:
    holder = await platform.onboard("collective", "361028")
    changsha = square(112.93, 28.23)  # 长沙, Hunan
    refused = await platform.apply(holder, "FR", mu(changsha), attributes=forest(changsha, 1))
    assert refused.status_code == 422, refused.text
    assert refused.json()["field"] == "attributes.boundary"
    assert refused.json()["type"].endswith("boundary-outside-jiangxi")


async def test_a_declared_area_beyond_the_tolerance_is_refused_with_both_areas(platform: Platform) -> None:
    holder = await platform.onboard("collective", "361028")
    right = square(LON, LAT)
    within = await platform.apply(holder, "FR", mu(right, 1.04), attributes=forest(right, 1))
    assert within.status_code == 201, within.text  # 4% off: the class's tolerance is 5%
    refused = await platform.apply(holder, "FR", mu(right, 1.10), attributes=forest(right, 2))
    assert refused.status_code == 422, refused.text
    problem = refused.json()
    assert problem["field"] == "attributes.boundary"
    assert (problem["declared"], problem["computed"], problem["unit"]) == (mu(right, 1.10), mu(right), "亩")
    assert problem["tolerance"] == "0.05"
    carbon_off = {**carbon(right), "area_ha": "150.0000"}
    refused = await platform.apply(holder, "CS", attributes=carbon_off)
    assert refused.status_code == 422 and refused.json()["unit"] == "公顷", refused.text
    no_area = {k: v for k, v in carbon(right).items() if k != "area_ha"}
    refused = await platform.apply(holder, "CS", attributes=no_area)
    assert refused.status_code == 422 and "area_ha" in refused.json()["detail"], refused.text


async def test_an_overlapping_forest_parcel_is_refused_naming_the_right(platform: Platform) -> None:
    holder, neighbour = (
        await platform.onboard("collective", "361028"),
        await platform.onboard("person", "361028"),
    )
    regulator = await platform.regulator()
    first = await platform.confirmed(
        holder, "FR", mu(square(LON, LAT)), attributes=forest(square(LON, LAT), 1)
    )
    beside = await file_forest(platform, neighbour, square(LON + 0.01, LAT), 2)  # shares an edge only
    shifted = square(LON + 0.005, LAT + 0.005)  # a quarter of the first right's land
    over = await platform.apply(holder, "FR", mu(shifted), attributes=forest(shifted, 3))
    assert over.status_code == 201, over.text  # filing is fine: the regulator decides, seeing the overlap
    seen = await platform.get(f"/api/v1/applications/{over.json()['id']}", regulator)
    [overlap] = seen.json()["overlaps"]
    assert (overlap["issuance"], overlap["asset_class"], overlap["refuses"]) == (first["id"], "FR", True)
    assert abs(float(overlap["overlap_m2"]) / area_m2(shifted) - 0.25) < 0.001
    own = await platform.get(f"/api/v1/applications/{over.json()['id']}", holder)
    assert own.json()["overlaps"] is None  # the regulator's to see

    refused = await platform.post(f"/api/v1/applications/{over.json()['id']}/confirm", regulator)
    assert refused.status_code == 409, refused.text
    problem = refused.json()
    assert (problem["field"], problem["issuance"], problem["asset_class"]) == (
        "attributes.boundary",
        first["id"],
        "FR",
    )
    assert problem["overlap_m2"] == overlap["overlap_m2"]
    confirmed = await platform.post(f"/api/v1/applications/{beside}/confirm", regulator)
    assert confirmed.status_code == 201, confirmed.text
    assert await platform.audit() == []


async def test_a_carbon_project_on_forest_land_is_confirmed_and_shown_to_the_regulator(
    platform: Platform,
) -> None:
    holder = await platform.onboard("collective", "361028")
    regulator = await platform.regulator()
    land = square(LON, LAT)
    right = await platform.confirmed(holder, "FR", mu(land), attributes=forest(land, 1))
    project = await platform.apply(holder, "CS", attributes=carbon(land))
    assert project.status_code == 201, project.text
    seen = await platform.get("/api/v1/applications", regulator, status="pending")
    [pending] = seen.json()["items"]
    [overlap] = pending["overlaps"]
    assert (overlap["issuance"], overlap["asset_class"], overlap["refuses"]) == (right["id"], "FR", False)
    assert abs(float(overlap["overlap_m2"]) - area_m2(land)) < 1.0
    confirmed = await platform.post(f"/api/v1/applications/{project.json()['id']}/confirm", regulator)
    assert confirmed.status_code == 201, confirmed.text
    assert confirmed.json()["attributes"]["boundary"] == land
    assert await platform.audit() == []


@pytest.mark.parametrize("kind", ["FR", "CS"])
async def test_two_overlapping_parcels_confirmed_at_once_one_wins(platform: Platform, kind: str) -> None:
    """Forest rights, and carbon-sink projects whose first confirmation also creates their instrument."""
    a, b = await platform.onboard("collective", "361028"), await platform.onboard("collective", "361028")
    regulator = await platform.regulator()
    filed = []
    for n, (holder, land) in enumerate([(a, square(LON, LAT)), (b, square(LON + 0.002, LAT + 0.002))], 1):
        if kind == "FR":
            filed.append(await file_forest(platform, holder, land, n))
        else:
            project = {**carbon(land), "project_id": f"JX-FC-361028-00{n}"}
            applied = await platform.apply(holder, "CS", attributes=project)
            assert applied.status_code == 201, applied.text
            filed.append(applied.json()["id"])
    answers = await platform.at_once(
        *(platform.post(f"/api/v1/applications/{app}/confirm", regulator) for app in filed)
    )
    assert sorted(r.status_code for r in answers) == [201, 409], [r.text for r in answers]
    won = next(r for r in answers if r.status_code == 201)
    lost = next(r for r in answers if r.status_code == 409)
    assert lost.json()["issuance"] == won.json()["id"]
    assert await platform.audit() == []


UNITS = ("361028001002SD00001W00000001", "361028001002SD00002W00000002")  # 不动产单元号 of wetland


async def test_a_retired_right_no_longer_holds_its_land(platform: Platform) -> None:
    """Only live rights count: a wetland right whose units are all retired frees its parcel."""
    holder = await platform.onboard("collective", "361028")
    land = square(LON, LAT)
    wetland = {**ATTRIBUTES["WL"], "form": "operation_right", "boundary": land}
    old = await platform.confirmed(holder, "WL", mu(land), attributes={**wetland, "unit_no": UNITS[0]})
    retired = await platform.post(
        "/api/v1/retirements",
        holder,
        {"issuance": old["id"], "quantity": old["quantity"], "beneficiary": "测试", "purpose": "voluntary"},
    )
    assert retired.status_code == 201, retired.text
    again = await platform.confirmed(holder, "WL", mu(land), attributes={**wetland, "unit_no": UNITS[1]})
    assert again["id"] != old["id"]


async def test_every_land_class_declares_its_parcel_rule_and_the_boundary_schema(platform: Platform) -> None:
    for code, area in (("FR", None), ("WL", None), ("CS", "area_ha")):
        cls = (await platform.get(f"/api/v1/asset-classes/{code}")).json()
        assert cls["attribute_schema"]["properties"]["boundary"] == BOUNDARY_SCHEMA
        assert cls["parcel_rule"]["area_attribute"] == area
    assert (await platform.get("/api/v1/asset-classes/EP")).json()["parcel_rule"] is None


GRASSLAND = {
    "code": "GR",
    "name": "Grassland right",
    "name_zh": "草地",
    "unit": "ha",
    "scale": 4,
    "price_basis": "unit",
    "retirable": False,
    "attribute_schema": {
        "type": "object",
        "additionalProperties": False,
        "required": ["place"],
        "properties": {"place": {"type": "string", "maxLength": 100}, "boundary": BOUNDARY_SCHEMA},
    },
    "parcel_rule": {
        "boundary": "boundary",
        "area_unit": "ha",
        "area_tolerance": "0.02",
        "overlap_tolerance": "0",
    },
}


async def test_a_new_land_class_declares_its_parcel_rule_as_data(platform: Platform) -> None:
    loose = {**GRASSLAND["attribute_schema"], "properties": {"boundary": {"type": "object"}}}
    refused = await platform.post(
        "/api/v1/asset-classes", platform.registrar, {**GRASSLAND, "attribute_schema": loose}
    )
    assert refused.status_code == 422 and refused.json()["field"] == "parcel_rule.boundary", refused.text
    floating = {**GRASSLAND, "parcel_rule": {**GRASSLAND["parcel_rule"], "area_tolerance": 0.02}}
    refused = await platform.post("/api/v1/asset-classes", platform.registrar, floating)
    assert refused.status_code == 400, refused.text
    defined = await platform.post("/api/v1/asset-classes", platform.registrar, GRASSLAND)
    assert defined.status_code == 201, defined.text
    assert defined.json()["parcel_rule"]["area_attribute"] is None

    holder = await platform.onboard("collective", "361028")
    land = square(LON, LAT)
    hectares = f"{area_m2(land) / 10_000:.4f}"
    first = await platform.confirmed(
        holder, "CS", hectares, asset_class="GR", attributes={"place": "草坪村", "boundary": land}
    )
    corner = square(LON + 0.0099, LAT + 0.0099)  # a sliver: 0.01% of either parcel, and the tolerance is 0
    filed = await platform.apply(
        holder,
        "CS",
        f"{area_m2(corner) / 10_000:.4f}",
        asset_class="GR",
        attributes={"place": "草坪村", "boundary": corner},
    )
    assert filed.status_code == 201, filed.text
    refused = await platform.post(
        f"/api/v1/applications/{filed.json()['id']}/confirm", await platform.regulator()
    )
    assert refused.status_code == 409 and refused.json()["issuance"] == first["id"], refused.text
