"""Confirmation of rights through the API, as holders, operators and regulators use it."""

import pytest

from tests.platform import ATTRIBUTES, Platform

pytestmark = pytest.mark.anyio


async def test_holder_applies_regulator_confirms_units_are_issued(platform: Platform) -> None:
    holder = await platform.onboard("collective", "361028")
    issued = await platform.confirmed(holder, "CS", "5000")
    assert issued["quantity"] == "5000"
    assert issued["serial"] == f"CS-361028-2024-{issued['id']}-1-5000"
    assert issued["unit"] == "tCO2e"
    assert issued["instrument"] is not None
    assert await platform.holdings(holder) == {(issued["id"], "active"): "5000"}
    assert await platform.audit() == []


async def test_quantities_keep_the_scale_of_their_class(platform: Platform) -> None:
    enterprise = await platform.onboard("enterprise")
    permit = await platform.confirmed(enterprise, "EP", "96.000")
    forest = await platform.confirmed(enterprise, "FR", "156.35")
    assert permit["quantity"] == "96.000" and permit["unit"] == "t/a"
    assert forest["quantity"] == "156.35" and forest["unit"] == "亩"
    assert forest["instrument"] is None  # a forest right is unique: one right, one listing


async def test_fungible_issuances_share_an_instrument(platform: Platform) -> None:
    a, b = await platform.onboard("enterprise"), await platform.onboard("enterprise")
    first = await platform.confirmed(a, "EP")
    second = await platform.confirmed(
        b, "EP", attributes={**ATTRIBUTES["EP"], "permit_no": "91360100PW0002SO"}
    )
    other = await platform.confirmed(b, "EP", attributes={**ATTRIBUTES["EP"], "pollutant": "NOx"})
    assert first["instrument"] == second["instrument"] != other["instrument"]
    listed = await platform.get("/api/v1/instruments", asset_class="EP")
    assert {i["symbol"] for i in listed.json()} == {
        "EP-SO2-361028-2024-01-01-2028-12-31",
        "EP-NOx-361028-2024-01-01-2028-12-31",
    }


async def test_operator_applies_on_behalf_of_a_household(platform: Platform) -> None:
    operator = await platform.onboard("operator", "361028")
    household = await platform.onboard("person", "361028")
    filed = await platform.apply(operator, "FR", holder=household.party)
    assert filed.status_code == 201, filed.text
    confirmed = await platform.post(
        f"/api/v1/applications/{filed.json()['id']}/confirm", await platform.regulator()
    )
    assert confirmed.json()["holder"] == household.party
    assert await platform.holdings(household) == {(confirmed.json()["id"], "active"): "156.35"}


async def test_an_enterprise_cannot_apply_for_another_holder(platform: Platform) -> None:
    enterprise, other = await platform.onboard("enterprise"), await platform.onboard("enterprise")
    before = await platform.fingerprint()
    refused = await platform.apply(enterprise, "CS", holder=other.party)
    assert refused.status_code == 403
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert refused.json()["field"] == "holder"
    assert await platform.fingerprint() == before


async def test_rejection_needs_a_reason_and_is_final(platform: Platform) -> None:
    holder = await platform.onboard("enterprise")
    regulator = await platform.regulator()
    filed = (await platform.apply(holder, "EP")).json()
    rejected = await platform.post(
        f"/api/v1/applications/{filed['id']}/reject", regulator, {"reason": "超过总量"}
    )
    assert rejected.status_code == 200 and rejected.json()["status"] == "rejected"
    again = await platform.post(f"/api/v1/applications/{filed['id']}/confirm", regulator)
    assert again.status_code == 409
    assert again.json()["field"] == "application"


async def test_only_a_regulator_confirms(platform: Platform) -> None:
    holder = await platform.onboard("enterprise")
    filed = (await platform.apply(holder, "CS")).json()
    bank = await platform.bank()
    before = await platform.fingerprint()
    for who in (holder, bank, platform.registrar):
        refused = await platform.post(f"/api/v1/applications/{filed['id']}/confirm", who)
        assert refused.status_code == 403, refused.text
    assert await platform.fingerprint() == before


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"quantity": 12.5}, "quantity"),
        ({"quantity": "1e3"}, "quantity"),
        ({"quantity": "-5"}, "quantity"),
        ({"quantity": "NaN"}, "quantity"),
        ({"quantity": "0"}, "quantity"),
        ({"quantity": "10.5"}, "quantity"),  # carbon sinks have scale 0
        ({"division": "110101"}, "division"),  # Beijing, not Jiangxi
        ({"division": "361121"}, "division"),  # 上饶县, abolished in 2019
        ({"vintage": 1800}, "vintage"),
        ({"asset_class": "XX"}, "asset_class"),
        ({"attributes": {**ATTRIBUTES["CS"], "standard": "FAKE"}}, "attributes.standard"),
        ({"attributes": {"project_id": "X1234"}}, "attributes.standard"),
        ({"holder": "no-such-party"}, "holder"),
        ({"surprise": 1}, "surprise"),
    ],
)
async def test_bad_applications_are_refused_and_change_nothing(
    platform: Platform, overrides: dict[str, object], field: str
) -> None:
    holder = await platform.onboard("collective", "361028")
    before = await platform.fingerprint()
    refused = await platform.apply(holder, "CS", **overrides)
    assert 400 <= refused.status_code < 500, refused.text
    assert refused.headers["content-type"].startswith("application/problem+json")
    problem = refused.json()
    assert problem["status"] == refused.status_code
    assert problem["field"] == field, problem
    assert await platform.fingerprint() == before


async def test_applications_are_private_to_holder_and_supervisors(platform: Platform) -> None:
    holder, stranger = await platform.onboard("enterprise"), await platform.onboard("enterprise")
    filed = (await platform.apply(holder, "EP")).json()
    assert (await platform.get(f"/api/v1/applications/{filed['id']}", holder)).status_code == 200
    assert (await platform.get(f"/api/v1/applications/{filed['id']}", stranger)).status_code == 404
    assert (
        await platform.get(f"/api/v1/applications/{filed['id']}", await platform.regulator())
    ).status_code == 200
    assert (await platform.get("/api/v1/applications", stranger)).json()["items"] == []
