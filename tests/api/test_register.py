"""The register of confirmed rights (issue 11, point 3): ``GET /issuances`` searched by class, place,
holder, status, vintage and identifying attributes; anyone reads the public fields, regulators all."""

from typing import Any

import pytest

from tests.platform import ATTRIBUTES, Member, Platform

pytestmark = pytest.mark.anyio


async def _ids(platform: Platform, caller: Member | None = None, **query: Any) -> list[int]:
    found = await platform.get("/api/v1/issuances", caller, **query)
    assert found.status_code == 200, found.text
    return [right["id"] for right in found.json()["items"]]


async def test_rights_are_found_by_class_place_vintage_identity_and_status(platform: Platform) -> None:
    enterprise = await platform.onboard("enterprise")
    permit = await platform.confirmed(enterprise, "EP", attributes=ATTRIBUTES["EP"])  # in 资溪县 361028
    sink = await platform.confirmed(enterprise, "CS", division="360102", vintage=2023)  # 东湖区, 南昌市
    forest = await platform.confirmed(enterprise, "FR", attributes=ATTRIBUTES["FR"])

    assert await _ids(platform) == [permit["id"], sink["id"], forest["id"]]
    assert await _ids(platform, asset_class="EP") == [permit["id"]]
    assert await _ids(platform, division="361028") == [permit["id"], forest["id"]]  # a county
    assert await _ids(platform, division="361000") == [permit["id"], forest["id"]]  # its city, 抚州市
    assert await _ids(platform, division="360100") == [sink["id"]]  # 南昌市 and its districts
    assert await _ids(platform, division="360000") == [permit["id"], sink["id"], forest["id"]]  # the province
    assert await _ids(platform, vintage=2023) == [sink["id"]]
    assert await _ids(platform, permit_no=ATTRIBUTES["EP"]["permit_no"]) == [permit["id"]]
    assert await _ids(platform, unit_no=ATTRIBUTES["FR"]["unit_no"]) == [forest["id"]]
    assert await _ids(platform, project_id=sink["attributes"]["project_id"]) == [sink["id"]]
    assert await _ids(platform, holder=enterprise.party, asset_class="FR") == [forest["id"]]

    assert (await platform.retire_all(enterprise, sink)).status_code == 201
    assert await _ids(platform, status="ended") == [sink["id"]]
    assert await _ids(platform, status="live") == [permit["id"], forest["id"]]
    assert await _ids(platform, division="999999") == []


async def test_the_public_sees_no_household_and_regulators_see_every_owner(platform: Platform) -> None:
    household, enterprise = await platform.onboard("person", "361028"), await platform.onboard("enterprise")
    forest = await platform.confirmed(household, "FR")
    permit = await platform.confirmed(enterprise, "EP")
    sold = {"issuance": permit["id"], "to": household.party, "quantity": "6.000"}
    assert (await platform.post("/api/v1/transfers", enterprise, sold)).status_code == 201

    public = {r["id"]: r for r in (await platform.get("/api/v1/issuances")).json()["items"]}
    assert (public[forest["id"]]["holder"], public[forest["id"]]["holder_name"]) == (None, None)
    assert public[permit["id"]]["holder"] == enterprise.party and public[permit["id"]]["holder_name"]
    assert all(right["owners"] is None and right["status"] == "live" for right in public.values())
    assert public[forest["id"]]["attributes"] == forest["attributes"]  # what the ledger publishes
    assert await _ids(platform, holder=household.party) == []  # no one learns a household's rights
    assert await _ids(platform, enterprise, holder=household.party) == []

    own = {r["id"]: r for r in (await platform.get("/api/v1/issuances", household)).json()["items"]}
    assert own[forest["id"]]["holder"] == household.party and own[forest["id"]]["owners"] is None
    assert await _ids(platform, household, holder=household.party) == [forest["id"], permit["id"]]

    regulator = await platform.regulator()
    seen = {r["id"]: r for r in (await platform.get("/api/v1/issuances", regulator)).json()["items"]}
    assert seen[forest["id"]]["holder"] == household.party
    assert seen[permit["id"]]["owners"] == [
        {"party": p, "state": "active", "quantity": q}
        for p, q in sorted([(enterprise.party, "90.000"), (household.party, "6.000")])
    ]


async def test_the_register_pages_with_cursors(platform: Platform) -> None:
    holder = await platform.onboard("enterprise")
    issued = [(await platform.confirmed(holder, "CS"))["id"] for _ in range(3)]
    first = (await platform.get("/api/v1/issuances", limit=2)).json()
    rest = (await platform.get("/api/v1/issuances", limit=2, cursor=first["next_cursor"])).json()
    assert [r["id"] for r in first["items"] + rest["items"]] == issued and rest["next_cursor"] is None
    assert (await platform.get("/api/v1/issuances", cursor="!")).status_code == 400


async def test_what_a_party_holds_now_is_searched_only_by_itself_and_supervisors(platform: Platform) -> None:
    """Search by holder finds the rights confirmed to an organisation for anyone; the units it holds
    today, of others' rights, only for the party itself and regulators (positions are its own)."""
    seller, buyer = await platform.onboard("enterprise"), await platform.onboard("enterprise")
    permit = await platform.confirmed(seller, "EP")
    sold = {"issuance": permit["id"], "to": buyer.party, "quantity": "6.000"}
    assert (await platform.post("/api/v1/transfers", seller, sold)).status_code == 201
    assert await _ids(platform, holder=buyer.party) == []
    assert await _ids(platform, await platform.onboard("enterprise"), holder=buyer.party) == []
    assert await _ids(platform, buyer, holder=buyer.party) == [permit["id"]]
    assert await _ids(platform, await platform.regulator(), holder=buyer.party) == [permit["id"]]
    assert await _ids(platform, holder=seller.party) == [permit["id"]]  # confirmed to it: public


async def test_one_issuance_hides_a_household_holder_as_the_register_does(platform: Platform) -> None:
    household, stranger = await platform.onboard("person", "361028"), await platform.onboard("enterprise")
    forest = await platform.confirmed(household, "FR")
    seen = await platform.get(f"/api/v1/issuances/{forest['id']}", stranger)
    assert seen.status_code == 200 and seen.json()["holder"] is None, seen.text
    own = await platform.get(f"/api/v1/issuances/{forest['id']}", household)
    assert own.json()["holder"] == household.party
    regulator = await platform.get(f"/api/v1/issuances/{forest['id']}", await platform.regulator())
    assert regulator.json()["holder"] == household.party


async def test_identifying_numbers_are_kept_and_searched_in_canonical_form(platform: Platform) -> None:
    holder, other = await platform.onboard("enterprise"), await platform.onboard("enterprise")
    permit = await platform.confirmed(holder, "EP", attributes=ATTRIBUTES["EP"])
    spaced = {**ATTRIBUTES["EP"], "permit_no": " 9136 0100pw-0001so\u200b"}  # spaces, dash, zero width
    filed = await platform.apply(other, "EP", attributes=spaced)
    assert filed.status_code == 201, filed.text
    assert filed.json()["attributes"]["permit_no"] == "91360100PW-0001SO"
    regulator = await platform.regulator()
    confirm = await platform.post(f"/api/v1/applications/{filed.json()['id']}/confirm", regulator)
    assert confirm.status_code == 409 and confirm.json()["issuance"] == permit["id"], confirm.text
    assert await _ids(platform, permit_no="91360100pw0001so ") == [permit["id"]]
