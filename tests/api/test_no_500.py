"""Bad input never reaches a 500: oversized ids and numbers, and asset classes whose schema would
leave a fungibility or term attribute missing at confirmation or pricing time."""

import pytest

from tests.platform import Platform

pytestmark = pytest.mark.anyio
HUGE = 2**70


@pytest.mark.parametrize(
    "path",
    [
        f"/api/v1/issuances/{HUGE}",
        f"/api/v1/issuances/1/serials/{HUGE}",
        f"/api/v1/ledger/proof/inclusion?seq=0&size={HUGE}",
        f"/api/v1/ledger/proof/consistency?first=1&second={HUGE}",
        f"/api/v1/ledger/entries?start=0&end={HUGE}",
        f"/api/v1/parties/x/statement?issuance={HUGE}",
    ],
)
async def test_oversized_numbers_in_paths_and_queries_are_4xx(platform: Platform, path: str) -> None:
    response = await platform.client.get(path, headers=platform.registrar.auth)
    assert 400 <= response.status_code < 500, response.text
    assert response.headers["content-type"].startswith("application/problem+json")


async def test_oversized_numbers_in_bodies_are_4xx_and_change_nothing(platform: Platform) -> None:
    holder, other = await platform.onboard("enterprise"), await platform.onboard("enterprise")
    before = await platform.fingerprint()
    for body in ({"issuance": HUGE, "to": other.party, "quantity": "1"},):
        refused = await platform.post("/api/v1/transfers", holder, body)
        assert 400 <= refused.status_code < 500, refused.text
    refused = await platform.apply(holder, "CS", vintage=HUGE)
    assert 400 <= refused.status_code < 500, refused.text
    assert await platform.fingerprint() == before


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"fungible_by": ["basin"], "required": ["term_end"]}, "fungible_by"),
        ({"price_basis": "unit_year", "term_attribute": "term_end"}, "price_basis"),
        ({"term_attribute": "basin", "required": ["term_end"]}, "term_attribute"),
        ({"term_attribute": "basin"}, "term_attribute"),  # required, but not a date
    ],
)
async def test_asset_classes_must_require_what_their_rules_read(
    platform: Platform, change: dict, field: str
) -> None:
    schema = {
        "type": "object",
        "required": change.pop("required", ["basin", "term_end"]),
        "properties": {"basin": {"type": "string"}, "term_end": {"type": "string", "format": "date"}},
    }
    body = {
        "code": "WR",
        "name": "Water use right",
        "name_zh": "用水权",
        "unit": "m3/a",
        "scale": 0,
        "price_basis": "unit",
        "retirable": False,
        "fungible_by": ["division"],
        "term_attribute": None,
        "attribute_schema": schema,
        **change,
    }
    refused = await platform.post("/api/v1/asset-classes", platform.registrar, body)
    assert refused.status_code == 422, refused.text
    assert refused.json()["field"] == field
