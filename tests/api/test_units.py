"""Transfers, retirements, cancellations, freezes and expiry, as holders and regulators use them."""

import datetime as dt

import pytest

from registry.units import expire_due
from tests.platform import Member, Platform

pytestmark = pytest.mark.anyio


async def transfer(platform: Platform, sender: Member, issuance: int, to: str, quantity: str) -> dict:
    moved = await platform.post(
        "/api/v1/transfers", sender, {"issuance": issuance, "to": to, "quantity": quantity}
    )
    assert moved.status_code == 201, moved.text
    return moved.json()


async def test_partial_transfer_splits_the_block_and_the_sender_keeps_the_low_part(
    platform: Platform,
) -> None:
    seller, buyer = await platform.onboard("collective", "361028"), await platform.onboard("enterprise")
    issued = await platform.confirmed(seller, "CS", "1000")
    moved = await transfer(platform, seller, issued["id"], buyer.party, "300")
    prefix = f"CS-361028-2024-{issued['id']}"
    assert moved["serials"] == [f"{prefix}-701-1000"]
    seller_view = (await platform.get(f"/api/v1/parties/{seller.party}/holdings", seller)).json()
    assert seller_view[0]["serials"] == [f"{prefix}-1-700"] and seller_view[0]["quantity"] == "700"
    assert await platform.holdings(buyer) == {(issued["id"], "active"): "300"}
    assert await platform.audit() == []


async def test_statement_has_running_balance_and_provenance_lists_every_owner(platform: Platform) -> None:
    a, b, c = (
        await platform.onboard("collective", "361028"),
        await platform.onboard("enterprise"),
        await platform.onboard("enterprise"),
    )
    issued = await platform.confirmed(a, "CS", "1000")
    await transfer(platform, a, issued["id"], b.party, "400")
    await transfer(platform, b, issued["id"], c.party, "100")
    lines = (await platform.get(f"/api/v1/parties/{a.party}/statement", a)).json()["items"]
    assert all(x["at"].endswith(("Z", "+00:00")) for x in lines)  # UTC, with its zone, on every engine
    assert [(x["kind"], x["quantity"], x["balance"]) for x in lines] == [
        ("issued", "1000", "1000"),
        ("transfer_out", "-400", "600"),
    ]
    lines = (await platform.get(f"/api/v1/parties/{b.party}/statement", b)).json()["items"]
    assert [(x["kind"], x["quantity"], x["balance"]) for x in lines] == [
        ("transfer_in", "400", "400"),
        ("transfer_out", "-100", "300"),
    ]
    trail = (await platform.get(f"/api/v1/issuances/{issued['id']}/serials/1000", c)).json()
    assert [o["party"] for o in trail["owners"]] == [a.party, b.party, c.party]
    assert trail["owner"] == c.party and trail["state"] == "active"
    assert trail["issuance"]["attributes"] == issued["attributes"]
    regulator = await platform.regulator()
    assert (await platform.get(f"/api/v1/issuances/{issued['id']}/serials/1000", regulator)).json() == trail


async def test_a_units_owner_and_state_are_unknown_to_anyone_but_its_owner(platform: Platform) -> None:
    """Serial by serial, owners and liens would add up to a party's position: a unit held by another
    is answered as an unknown serial, the same as one that does not exist."""
    holder, outsider = await platform.onboard("enterprise"), await platform.onboard("enterprise")
    issued = await platform.confirmed(holder, "CS", "1000")
    for serial in (1, 1000, 1001):
        answer = await platform.get(f"/api/v1/issuances/{issued['id']}/serials/{serial}", outsider)
        assert answer.status_code == 404, answer.text
        assert answer.json()["type"].endswith("unknown-serial")


async def test_retirement_is_final_and_has_a_public_certificate(platform: Platform) -> None:
    holder = await platform.onboard("enterprise")
    issued = await platform.confirmed(holder, "CS", "500")
    retired = await platform.post(
        "/api/v1/retirements",
        holder,
        {
            "issuance": issued["id"],
            "quantity": "200",
            "beneficiary": "2025年马拉松碳中和",
            "purpose": "voluntary",
        },
    )
    assert retired.status_code == 201, retired.text
    certificate = retired.json()["certificate"]
    public = await platform.get(f"/api/v1/retirements/{certificate}")
    assert public.status_code == 200 and public.json()["quantity"] == "200"
    assert await platform.holdings(holder) == {
        (issued["id"], "active"): "300",
        (issued["id"], "retired"): "200",
    }
    buyer = await platform.onboard("enterprise")
    refused = await platform.post(
        "/api/v1/transfers", holder, {"issuance": issued["id"], "to": buyer.party, "quantity": "301"}
    )
    assert refused.status_code == 422 and refused.json()["type"].endswith("/units-not-free")
    assert refused.json()["detail"] == "300 tCO2e are free; 301 tCO2e were asked for"
    assert await platform.audit() == []


async def test_forest_rights_cannot_be_retired(platform: Platform) -> None:
    holder = await platform.onboard("person", "361028")
    operator = await platform.onboard("operator", "361028")
    filed = await platform.apply(operator, "FR", holder=holder.party)
    issued = (
        await platform.post(f"/api/v1/applications/{filed.json()['id']}/confirm", await platform.regulator())
    ).json()
    refused = await platform.post(
        "/api/v1/retirements",
        holder,
        {"issuance": issued["id"], "quantity": "1.00", "beneficiary": "x", "purpose": "voluntary"},
    )
    assert refused.status_code == 422 and refused.json()["field"] == "issuance"


async def test_frozen_units_cannot_move_until_released(platform: Platform) -> None:
    holder, buyer = await platform.onboard("enterprise"), await platform.onboard("enterprise")
    regulator = await platform.regulator()
    issued = await platform.confirmed(holder, "EP", "96.000")
    frozen = await platform.freeze(
        {"issuance": issued["id"], "owner": holder.party, "quantity": "90.000", "reason": "执行报告待核查"}
    )
    assert frozen.status_code == 200, frozen.text
    reference = frozen.json()["result"]
    assert await platform.holdings(holder) == {
        (issued["id"], "active"): "6.000",
        (issued["id"], "frozen"): "90.000",
    }
    before = await platform.fingerprint()
    refused = await platform.post(
        "/api/v1/transfers", holder, {"issuance": issued["id"], "to": buyer.party, "quantity": "10.000"}
    )
    assert refused.status_code == 422
    assert await platform.fingerprint() == before
    released = await platform.post(f"/api/v1/freezes/{reference}/release", regulator)
    assert released.status_code == 200, released.text
    again = await platform.post(f"/api/v1/freezes/{reference}/release", regulator)
    assert again.status_code == 409
    await transfer(platform, holder, issued["id"], buyer.party, "10.000")
    assert await platform.audit() == []


async def test_only_regulators_freeze_and_cancel(platform: Platform) -> None:
    holder = await platform.onboard("enterprise")
    issued = await platform.confirmed(holder, "EP")
    body = {"issuance": issued["id"], "owner": holder.party, "quantity": "1.000", "reason": "x"}
    for path in ("/api/v1/freezes", "/api/v1/cancellations"):
        assert (await platform.post(path, holder, body)).status_code == 403
    cancelled = await platform.post("/api/v1/cancellations", await platform.regulator(), body)
    assert cancelled.status_code == 201
    assert await platform.holdings(holder) == {
        (issued["id"], "active"): "95.000",
        (issued["id"], "cancelled"): "1.000",
    }


async def test_units_expire_when_their_term_ends(platform: Platform) -> None:
    holder = await platform.onboard("enterprise")
    issued = await platform.confirmed(holder, "EP")
    async with platform.core.unit_of_work() as work:
        assert await expire_due(work, dt.date(2029, 1, 1)) == 1
        await work.commit()
    assert await platform.holdings(holder) == {(issued["id"], "expired"): "96.000"}
    assert await platform.audit() == []


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({"quantity": 1.5}, 400, "quantity"),
        ({"quantity": "1.5e2"}, 422, "quantity"),
        ({"quantity": "1.0001"}, 422, "quantity"),
        ({"quantity": "-1"}, 422, "quantity"),
        ({"quantity": "2000"}, 422, "quantity"),
        ({"issuance": 99999}, 404, "issuance"),
        ({"to": "nobody"}, 404, "to"),
    ],
)
async def test_bad_transfers_change_nothing(platform: Platform, body: dict, status: int, field: str) -> None:
    seller, buyer = await platform.onboard("enterprise"), await platform.onboard("enterprise")
    issued = await platform.confirmed(seller, "EP", "96.000")
    before = await platform.fingerprint()
    request = {"issuance": issued["id"], "to": buyer.party, "quantity": "1.000", **body}
    refused = await platform.post("/api/v1/transfers", seller, request)
    assert refused.status_code == status, refused.text
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert refused.json()["field"] == field
    assert await platform.fingerprint() == before


async def test_a_party_cannot_move_or_see_another_partys_units(platform: Platform) -> None:
    owner, thief = await platform.onboard("enterprise"), await platform.onboard("enterprise")
    issued = await platform.confirmed(owner, "CS", "100")
    stolen = await platform.post(
        "/api/v1/transfers", thief, {"issuance": issued["id"], "to": thief.party, "quantity": "1"}
    )
    assert stolen.status_code == 422  # the thief holds none of it: nothing to move
    for path in ("holdings", "statement", "cash", "cash/statement"):
        hidden = await platform.get(f"/api/v1/parties/{owner.party}/{path}", thief)
        missing = await platform.get(f"/api/v1/parties/no-such-party/{path}", thief)
        assert hidden.status_code == missing.status_code == 404  # never a 403 that confirms it exists
        assert hidden.json()["detail"].replace(owner.party, "?") == missing.json()["detail"].replace(
            "no-such-party", "?"
        )
        assert (
            await platform.get(f"/api/v1/parties/{owner.party}/{path}", await platform.regulator())
        ).status_code == 200


async def test_a_viewer_key_reads_but_cannot_move_units(platform: Platform) -> None:
    owner = await platform.onboard("enterprise")
    issued = await platform.confirmed(owner, "CS", "100")
    viewer = await platform.add_user(owner, owner.party, "enterprise", role="viewer")
    assert (await platform.get(f"/api/v1/parties/{owner.party}/holdings", viewer)).status_code == 200
    buyer = await platform.onboard("enterprise")
    refused = await platform.post(
        "/api/v1/transfers", viewer, {"issuance": issued["id"], "to": buyer.party, "quantity": "1"}
    )
    assert refused.status_code == 403


async def test_regulators_can_run_expiry_now(platform: Platform) -> None:
    holder = await platform.onboard("enterprise")
    await platform.confirmed(holder, "EP")  # its term runs to 2028: nothing is due today
    assert (await platform.post("/api/v1/expiries", holder)).status_code == 403
    ran = await platform.post("/api/v1/expiries", await platform.regulator())
    assert ran.status_code == 200 and ran.json() == {"issuances_expired": 0}
