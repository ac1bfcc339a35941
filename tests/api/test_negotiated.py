"""Negotiated transfers (协议转让): offer, accept with delivery versus payment, decline, withdraw, lapse."""

from pathlib import Path

import pytest

from tests.platform import ATTRIBUTES, Member, Platform

pytestmark = pytest.mark.anyio


async def offer(
    platform: Platform,
    seller: Member,
    buyer: Member,
    issuance: int,
    quantity: str,
    price: str,
    deadline: str | None = None,
) -> dict:
    made = await platform.post(
        "/api/v1/offers",
        seller,
        {
            "buyer": buyer.party,
            "issuance": issuance,
            "quantity": quantity,
            "price": price,
            "deadline": deadline or platform.later(hours=1),
        },
    )
    assert made.status_code == 201, made.text
    return made.json()


async def balance(platform: Platform, member: Member) -> str:
    return (await platform.get(f"/api/v1/parties/{member.party}/cash", member)).json()["balance"]


async def test_jiangxis_first_permit_trade_settles_delivery_versus_payment(platform: Platform) -> None:
    # 96 t/a of SO2 at 389.00 元/吨·年 on a 2026–2030 permit traded in 2026 is worth 5 years:
    # 186,720.00 CNY (DESIGN §5).
    seller, buyer = await platform.onboard("enterprise"), await platform.onboard("enterprise")
    term = {"term_start": "2026-01-01", "term_end": "2030-12-31"}
    issued = await platform.confirmed(seller, "EP", "96.000", attributes={**ATTRIBUTES["EP"], **term})
    await platform.deposit(buyer, "200000.00")
    made = await offer(platform, seller, buyer, issued["id"], "96.000", "389.00")
    assert (made["value"], made["years"], made["status"]) == ("186720.00", 5, "open")
    waiting = (await platform.get("/api/v1/offers", buyer, status="open")).json()["items"]
    assert [o["id"] for o in waiting] == [made["id"]]  # the buyer finds the offer made to it
    assert await platform.holdings(seller) == {(issued["id"], "reserved"): "96.000"}
    accepted = await platform.post(f"/api/v1/offers/{made['id']}/accept", buyer)
    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["status"] == "accepted" and accepted.json()["trade"]
    assert await platform.holdings(buyer) == {(issued["id"], "active"): "96.000"}
    assert await platform.holdings(seller) == {}
    assert (await balance(platform, buyer), await balance(platform, seller)) == ("13280.00", "186720.00")
    assert await platform.audit() == []


async def test_fees_go_to_the_platform_on_both_sides(database_url: str, tmp_path: Path) -> None:
    async with Platform.start(database_url, tmp_path / "ledger.key", fee_bps=30) as platform:
        seller, buyer = await platform.onboard("collective", "361028"), await platform.onboard("enterprise")
        issued = await platform.confirmed(seller, "CS", "1000")
        await platform.deposit(buyer, "100000.00")
        await platform.deposit(seller, "10.00")
        made = await offer(platform, seller, buyer, issued["id"], "333", "45.67")  # 15,208.11 CNY
        await platform.post(f"/api/v1/offers/{made['id']}/accept", buyer)
        # each side pays 0.30% of 15,208.11 = 45.62433, half-even to the fen: 45.62
        assert await balance(platform, buyer) == "84746.27"  # 100,000.00 - 15,208.11 - 45.62
        assert await balance(platform, seller) == "15172.49"  # 10.00 + 15,208.11 - 45.62
        registrar = await platform.get(f"/api/v1/parties/{platform.registrar.party}/cash", platform.registrar)
        assert registrar.json()["balance"] == "91.24"  # twice the fee
        assert await platform.audit() == []


async def test_without_enough_cash_nothing_moves(platform: Platform) -> None:
    seller, buyer = await platform.onboard("enterprise"), await platform.onboard("enterprise")
    issued = await platform.confirmed(seller, "EP", "96.000")
    await platform.deposit(buyer, "100.00")
    made = await offer(platform, seller, buyer, issued["id"], "10.000", "389.00")
    before = await platform.fingerprint()
    refused = await platform.post(f"/api/v1/offers/{made['id']}/accept", buyer)
    assert refused.status_code == 422 and refused.json()["type"].endswith("/cash-not-free")
    assert await platform.fingerprint() == before
    assert (await platform.get(f"/api/v1/offers/{made['id']}", buyer)).json()["status"] == "open"


async def test_only_the_named_buyer_accepts_and_reserved_units_cannot_be_sold_twice(
    platform: Platform,
) -> None:
    seller, buyer, stranger = (
        await platform.onboard("enterprise"),
        await platform.onboard("enterprise"),
        await platform.onboard("enterprise"),
    )
    issued = await platform.confirmed(seller, "EP", "96.000")
    await platform.deposit(stranger, "1000000.00")
    made = await offer(platform, seller, buyer, issued["id"], "96.000", "389.00")
    assert (await platform.post(f"/api/v1/offers/{made['id']}/accept", stranger)).status_code == 404
    assert (await platform.get(f"/api/v1/offers/{made['id']}", stranger)).status_code == 404
    again = await platform.post(
        "/api/v1/offers",
        seller,
        {
            "buyer": stranger.party,
            "issuance": issued["id"],
            "quantity": "1.000",
            "price": "1.00",
            "deadline": platform.later(hours=1),
        },
    )
    assert again.status_code == 422 and again.json()["type"].endswith("/units-not-free")
    moved = await platform.post(
        "/api/v1/transfers", seller, {"issuance": issued["id"], "to": stranger.party, "quantity": "1.000"}
    )
    assert moved.status_code == 422


async def test_decline_withdraw_and_lapse_release_the_units(platform: Platform) -> None:
    seller, buyer = await platform.onboard("enterprise"), await platform.onboard("enterprise")
    issued = await platform.confirmed(seller, "EP", "96.000")
    first = await offer(platform, seller, buyer, issued["id"], "10.000", "389.00")
    second = await offer(platform, seller, buyer, issued["id"], "20.000", "389.00")
    assert (await platform.post(f"/api/v1/offers/{first['id']}/withdraw", buyer)).status_code == 404
    assert (await platform.post(f"/api/v1/offers/{first['id']}/decline", buyer)).json()[
        "status"
    ] == "declined"
    assert (await platform.post(f"/api/v1/offers/{second['id']}/withdraw", seller)).json()[
        "status"
    ] == "withdrawn"
    assert (await platform.post(f"/api/v1/offers/{second['id']}/accept", buyer)).status_code == 409
    deadline = platform.later(hours=2)
    third = await offer(platform, seller, buyer, issued["id"], "30.000", "389.00", deadline=deadline)
    assert third["status"] == "open"
    await platform.advance(hours=2)  # the scheduler lapses it once the deadline has come
    assert (await platform.get(f"/api/v1/offers/{third['id']}", seller)).json()["status"] == "lapsed"
    assert await platform.holdings(seller) == {(issued["id"], "active"): "96.000"}
    assert await platform.audit() == []


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"price": 389.0}, "price"),
        ({"price": "389.001"}, "price"),
        ({"quantity": "1e2"}, "quantity"),
        ({"deadline": "2020-01-01T00:00:00Z"}, "deadline"),
        ({"deadline": "2030-01-01T00:00:00"}, "deadline"),
        ({"buyer": "nobody"}, "buyer"),
    ],
)
async def test_bad_offers_change_nothing(platform: Platform, change: dict, field: str) -> None:
    seller, buyer = await platform.onboard("enterprise"), await platform.onboard("enterprise")
    issued = await platform.confirmed(seller, "EP", "96.000")
    before = await platform.fingerprint()
    body = {
        "buyer": buyer.party,
        "issuance": issued["id"],
        "quantity": "1.000",
        "price": "389.00",
        "deadline": platform.later(hours=1),
        **change,
    }
    refused = await platform.post("/api/v1/offers", seller, body)
    assert 400 <= refused.status_code < 500, refused.text
    assert refused.json()["field"] == field
    assert await platform.fingerprint() == before
