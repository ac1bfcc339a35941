"""Notifications: what happened to a party is the ledger's entries naming it, less what the reading
user did itself; each user marks what it has read, and the rest is counted unread."""

from typing import Any

import pytest

from tests.platform import Member, Platform

pytestmark = pytest.mark.anyio


async def notes(platform: Platform, member: Member, **params: Any) -> dict[str, Any]:
    found = await platform.get("/api/v1/notifications", member, **params)
    assert found.status_code == 200, found.text
    answer: dict[str, Any] = found.json()
    return answer


async def unread(platform: Platform, member: Member) -> int:
    count: int = (await platform.get("/api/v1/notifications/unread", member)).json()["unread"]
    return count


async def offered(platform: Platform, seller: Member, buyer: Member) -> dict[str, Any]:
    issued = await platform.confirmed(seller, "CS", "1000")
    body = {
        "buyer": buyer.party,
        "issuance": issued["id"],
        "quantity": "10",
        "price": "50.00",
        "deadline": platform.later(hours=1),
    }
    made = await platform.post("/api/v1/offers", seller, body)
    assert made.status_code == 201, made.text
    offer: dict[str, Any] = made.json()
    return offer


async def test_a_seller_hears_its_offer_accepted_and_the_buyers_colleague_of_the_trade(
    platform: Platform,
) -> None:
    seller, buyer = await platform.onboard("enterprise"), await platform.onboard("enterprise")
    colleague = await platform.add_user(buyer, buyer.party, "enterprise", role="viewer")
    await platform.deposit(buyer, "1000.00")
    offer = await offered(platform, seller, buyer)
    assert (await platform.post(f"/api/v1/offers/{offer['id']}/accept", buyer)).status_code == 200

    newest = (await notes(platform, seller))["items"][0]
    assert newest["kind"] == "trade.settled" and newest["actor"] == buyer.party and not newest["read"]
    assert newest["body"]["seller"] == seller.party and newest["body"]["value"] == "500.00"
    assert "trade.settled" not in [n["kind"] for n in (await notes(platform, buyer))["items"]]  # its own act
    assert (await notes(platform, colleague))["items"][0]["kind"] == "trade.settled"  # a colleague's act


async def test_a_declined_offer_tells_the_seller(platform: Platform) -> None:
    seller, buyer = await platform.onboard("enterprise"), await platform.onboard("enterprise")
    offer = await offered(platform, seller, buyer)
    assert (await platform.post(f"/api/v1/offers/{offer['id']}/decline", buyer)).status_code == 200
    newest = (await notes(platform, seller))["items"][0]
    assert (newest["kind"], newest["body"]["ref"], newest["actor"]) == (
        "units.released",
        offer["id"],
        buyer.party,
    )


async def test_marking_read_counts_down_and_never_moves_back(platform: Platform) -> None:
    owner = await platform.onboard("enterprise")
    viewer = await platform.add_user(owner, owner.party, "enterprise", role="viewer")
    await platform.deposit(owner, "100.00")
    await platform.deposit(owner, "200.00")
    items = (await notes(platform, viewer))["items"]
    assert [n["kind"] for n in items[:3]] == ["cash.deposited", "cash.deposited", "cash.bank_designated"]
    before = await unread(platform, viewer)
    assert before == len(items)

    marked = await platform.post("/api/v1/notifications/read", viewer, {"through": items[1]["seq"]})
    assert marked.status_code == 200, marked.text  # a viewer marks its own reading
    assert marked.json() == {"read_through": items[1]["seq"], "unread": 1}
    assert [n["read"] for n in (await notes(platform, viewer))["items"][:2]] == [False, True]
    older = await platform.post("/api/v1/notifications/read", viewer, {"through": items[-1]["seq"]})
    assert older.json()["read_through"] == items[1]["seq"]
    mine = (await platform.get("/api/v1/notifications/unread", owner)).json()
    assert mine["read_through"] == -1 and mine["unread"] > 0  # each user has its own mark


async def test_notifications_page_newest_first(platform: Platform) -> None:
    owner = await platform.onboard("enterprise")
    for amount in ("1.00", "2.00", "3.00"):
        await platform.deposit(owner, amount)
    whole = (await notes(platform, owner, limit=500))["items"]
    paged, cursor = [], None
    while True:
        page = await notes(platform, owner, limit=2, **({"cursor": cursor} if cursor else {}))
        paged += page["items"]
        if (cursor := page["next_cursor"]) is None:
            break
    assert paged == whole and [n["seq"] for n in whole] == sorted((n["seq"] for n in whole), reverse=True)


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({"through": 10_000}, 400, "through"),
        ({"through": -1}, 400, "through"),
        ({"through": "3"}, 400, "through"),
    ],
)
async def test_a_bad_mark_is_refused_naming_the_field(
    platform: Platform, body: dict[str, Any], status: int, field: str
) -> None:
    owner = await platform.onboard("enterprise")
    refused = await platform.post("/api/v1/notifications/read", owner, body)
    assert refused.status_code == status, refused.text
    assert refused.json()["field"] == field
    assert (await platform.get("/api/v1/notifications/unread", owner)).json()["read_through"] == -1
