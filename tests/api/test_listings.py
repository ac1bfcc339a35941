"""Listings (挂牌) and auctions (竞价): fixed price, English with deposits, reserve and anti-sniping,
sealed multi-unit allocation, failure (流拍), cancellation, public results, and races."""

import asyncio
import datetime as dt
from typing import Any

import pytest
from sqlalchemy import text

from tests.platform import Member, Platform

pytestmark = pytest.mark.anyio


async def listed(
    platform: Platform, seller: Member, issuance: int, quantity: str, **spec: Any
) -> dict[str, Any]:
    body = {
        "items": [{"issuance": issuance, "quantity": quantity}],
        "ends_at": platform.later(hours=1),
        **spec,
    }
    made = await platform.post("/api/v1/listings", seller, body)
    assert made.status_code == 201, made.text
    result: dict[str, Any] = made.json()
    return result


async def closed(platform: Platform, listing: dict[str, Any]) -> dict[str, Any]:
    """The listing once its end (after any extension) has come and the scheduler has closed it."""
    path = f"/api/v1/listings/{listing['id']}"
    ends = dt.datetime.fromisoformat((await platform.get(path)).json()["ends_at"])
    await platform.advance(seconds=(ends - platform.now).total_seconds())
    state: dict[str, Any] = (await platform.get(path)).json()
    assert state["status"] != "open"
    return state


async def cash(platform: Platform, member: Member) -> tuple[str, str]:
    account = (await platform.get(f"/api/v1/parties/{member.party}/cash", member)).json()
    return account["balance"], account["reserved"]


async def bidders(platform: Platform, n: int, amount: str = "100000.00") -> list[Member]:
    members = [await platform.onboard("enterprise") for _ in range(n)]
    for member in members:
        await platform.deposit(member, amount)
    return members


async def test_a_fixed_price_listing_goes_to_the_first_buyer(platform: Platform) -> None:
    seller = await platform.onboard("person", "360982")
    right = await platform.confirmed(seller, "FR")  # 林权: one right, one listing
    first, second = await bidders(platform, 2)
    listing = await listed(platform, seller, right["id"], "156.35", mode="fixed", price="500.00")
    assert await platform.holdings(seller) == {(right["id"], "reserved"): "156.35"}
    bought = await platform.post(f"/api/v1/listings/{listing['id']}/buy", first)
    assert bought.status_code == 200, bought.text
    late = await platform.post(f"/api/v1/listings/{listing['id']}/buy", second)
    assert late.status_code == 409 and late.json()["field"] == "listing"
    public = (await platform.get(f"/api/v1/listings/{listing['id']}")).json()
    assert public["status"] == "sold"
    assert [(r["party"], r["price"], r["quantity"]) for r in public["results"]] == [
        (first.party, "500.00", "156.35")
    ]
    assert await platform.holdings(first) == {(right["id"], "active"): "156.35"}
    assert await cash(platform, first) == ("21825.00", "0.00")  # 156.35 亩 × 500.00 = 78,175.00
    assert await cash(platform, seller) == ("78175.00", "0.00")
    assert await platform.audit() == []


async def test_an_english_auction_with_deposit_hidden_reserve_and_anti_sniping(platform: Platform) -> None:
    seller = await platform.onboard("collective", "361028")
    issued = await platform.confirmed(seller, "CS", "1000")
    a, b = await bidders(platform, 2)
    listing = await listed(
        platform,
        seller,
        issued["id"],
        "1000",
        mode="english",
        price="40.00",
        increment="1.00",
        reserve_price="45.00",
        reserve_public=False,
        deposit="5000.00",
        extension_minutes=0,
        ends_at=platform.later(seconds=3),
    )
    assert listing["reserve_price"] is None  # hidden
    unregistered = await platform.post(f"/api/v1/listings/{listing['id']}/bids", a, {"price": "40.00"})
    assert unregistered.status_code == 409
    for member in (a, b):
        registered = await platform.post(f"/api/v1/listings/{listing['id']}/register", member)
        assert registered.status_code == 200, registered.text
    assert await cash(platform, a) == ("100000.00", "5000.00")  # the deposit (保证金) is held
    assert (
        await platform.post(f"/api/v1/listings/{listing['id']}/bids", a, {"price": "40.00"})
    ).status_code == 201
    low = await platform.post(f"/api/v1/listings/{listing['id']}/bids", b, {"price": "40.50"})
    assert low.status_code == 422 and low.json()["type"].endswith("/bid-too-low")
    assert low.json()["least"] == "41.00"  # the increment is 1.00
    high = await platform.post(f"/api/v1/listings/{listing['id']}/bids", b, {"price": "46.00"})
    assert high.status_code == 201 and high.json()["high_bid"] == "46.00"
    assert await cash(platform, a) == ("100000.00", "5000.00")  # outbid: back to the deposit
    assert await cash(platform, b) == ("100000.00", "46000.00")  # the bid is covered in full
    result = await closed(platform, listing)
    assert result["status"] == "sold"
    assert [(r["party"], r["price"], r["quantity"]) for r in result["results"]] == [
        (b.party, "46.00", "1000")
    ]
    assert await cash(platform, a) == ("100000.00", "0.00")  # the loser's deposit is released
    assert await cash(platform, b) == ("54000.00", "0.00")  # the winner's deposit counted toward the price
    assert await platform.holdings(b) == {(issued["id"], "active"): "1000"}
    assert await platform.audit() == []


async def test_a_bid_in_the_last_minutes_extends_the_auction(platform: Platform) -> None:
    seller = await platform.onboard("collective", "361028")
    issued = await platform.confirmed(seller, "CS", "1000")
    (a,) = await bidders(platform, 1)
    ends = platform.now + dt.timedelta(minutes=3)
    listing = await listed(
        platform, seller, issued["id"], "1000", mode="english", price="40.00", ends_at=ends.isoformat()
    )
    await platform.post(f"/api/v1/listings/{listing['id']}/register", a)
    bid = await platform.post(f"/api/v1/listings/{listing['id']}/bids", a, {"price": "40.00"})
    assert dt.datetime.fromisoformat(bid.json()["ends_at"]) == ends + dt.timedelta(minutes=4)


async def test_an_auction_without_a_bid_at_the_reserve_fails_and_releases_everything(
    platform: Platform,
) -> None:
    seller = await platform.onboard("collective", "361028")
    issued = await platform.confirmed(seller, "CS", "1000")
    (a,) = await bidders(platform, 1)
    listing = await listed(
        platform,
        seller,
        issued["id"],
        "1000",
        mode="english",
        price="40.00",
        reserve_price="50.00",
        deposit="1000.00",
        extension_minutes=0,
        ends_at=platform.later(seconds=2),
    )
    assert listing["reserve_price"] == "50.00"
    await platform.post(f"/api/v1/listings/{listing['id']}/register", a)
    await platform.post(f"/api/v1/listings/{listing['id']}/bids", a, {"price": "42.00"})
    result = await closed(platform, listing)
    assert (result["status"], result["results"]) == ("failed", [])  # 流拍
    assert await cash(platform, a) == ("100000.00", "0.00")
    assert await platform.holdings(seller) == {(issued["id"], "active"): "1000"}
    assert await platform.audit() == []


async def test_a_sealed_multi_unit_auction_allocates_highest_first_each_paying_its_bid(
    platform: Platform,
) -> None:
    seller = await platform.onboard("collective", "361028")
    issued = await platform.confirmed(seller, "CS", "1000")
    a, b, c, d = await bidders(platform, 4)
    listing = await listed(
        platform,
        seller,
        issued["id"],
        "1000",
        mode="sealed",
        price="45.00",
        ends_at=platform.later(seconds=3),
    )
    for member, price, quantity in (
        (a, "50.00", "300"),
        (b, "48.00", "500"),
        (c, "47.00", "400"),
        (d, "46.00", "100"),
    ):
        await platform.post(f"/api/v1/listings/{listing['id']}/register", member)
        placed = await platform.post(
            f"/api/v1/listings/{listing['id']}/bids", member, {"price": price, "quantity": quantity}
        )
        assert placed.status_code == 201, placed.text
        assert placed.json()["high_bid"] is None  # sealed: nothing shows until the close
    result = await closed(platform, listing)
    assert sorted((r["party"], r["price"], r["quantity"]) for r in result["results"]) == sorted(
        [(a.party, "50.00", "300"), (b.party, "48.00", "500"), (c.party, "47.00", "200")]
    )
    assert await cash(platform, c) == ("90600.00", "0.00")  # 200 × 47.00
    assert await cash(platform, d) == ("100000.00", "0.00")
    assert await cash(platform, seller) == ("48400.00", "0.00")  # 15,000 + 24,000 + 9,400
    assert await platform.audit() == []


async def test_a_seller_cancels_only_before_the_first_bid(platform: Platform) -> None:
    seller = await platform.onboard("collective", "361028")
    issued = await platform.confirmed(seller, "CS", "1000")
    (a,) = await bidders(platform, 1)
    quiet = await listed(platform, seller, issued["id"], "400", mode="english", price="40.00")
    cancelled = await platform.post(f"/api/v1/listings/{quiet['id']}/cancel", seller)
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    busy = await listed(platform, seller, issued["id"], "400", mode="english", price="40.00")
    await platform.post(f"/api/v1/listings/{busy['id']}/register", a)
    await platform.post(f"/api/v1/listings/{busy['id']}/bids", a, {"price": "40.00"})
    refused = await platform.post(f"/api/v1/listings/{busy['id']}/cancel", seller)
    assert refused.status_code == 409
    stranger = await platform.post(f"/api/v1/listings/{busy['id']}/cancel", a)
    assert stranger.status_code == 404  # not its listing
    assert await platform.holdings(seller) == {
        (issued["id"], "active"): "600",
        (issued["id"], "reserved"): "400",
    }


async def test_two_buyers_race_for_one_listing_and_exactly_one_wins(platform: Platform) -> None:
    seller = await platform.onboard("collective", "361028")
    issued = await platform.confirmed(seller, "CS", "1000")
    racers = await bidders(platform, 2)
    listing = await listed(platform, seller, issued["id"], "1000", mode="fixed", price="45.00")
    answers = await asyncio.gather(
        *(platform.post(f"/api/v1/listings/{listing['id']}/buy", member) for member in racers)
    )
    assert sorted(answer.status_code for answer in answers) == [200, 409]
    owners = [await platform.holdings(member) for member in racers]
    assert sorted(map(len, owners)) == [0, 1]
    assert await platform.audit() == []


async def test_two_buyers_race_for_the_last_units_on_the_book(platform: Platform) -> None:
    seller = await platform.onboard("collective", "361028")
    issued = await platform.confirmed(seller, "CS", "100")
    await platform.open_market(issued["instrument"], "45.00")
    racers = await bidders(platform, 2)
    ask = {"instrument": issued["instrument"], "side": "sell", "quantity": "100", "price": "45.00"}
    assert (await platform.post("/api/v1/orders", seller, ask)).status_code == 201
    bid = {**ask, "side": "buy", "time_in_force": "FOK"}
    answers = await asyncio.gather(*(platform.post("/api/v1/orders", member, bid) for member in racers))
    assert sorted(answer.json()["status"] for answer in answers) == ["cancelled", "filled"]
    assert sorted([len(await platform.holdings(member)) for member in racers]) == [0, 1]
    assert await platform.audit() == []


async def package_of(platform: Platform) -> tuple[Member, list[tuple[int, str]]]:
    """An operator (两山银行) holding a forest right (林权) bought from a household and carbon sink."""
    household, operator = (
        await platform.onboard("person", "360982"),
        await platform.onboard("operator", "361028"),
    )
    forest = await platform.confirmed(household, "FR")
    moved = await platform.post(
        "/api/v1/transfers", household, {"issuance": forest["id"], "to": operator.party, "quantity": "156.35"}
    )
    assert moved.status_code == 201, moved.text
    carbon = await platform.confirmed(operator, "CS", "2000")
    return operator, [(forest["id"], "156.35"), (carbon["id"], "1500")]


async def test_an_operator_sells_a_package_whole_in_one_settlement(platform: Platform) -> None:
    operator, items = await package_of(platform)
    (buyer,) = await bidders(platform, 1)
    body = {
        "items": [{"issuance": i, "quantity": q} for i, q in items],
        "mode": "fixed",
        "price": "88000.00",  # the whole package (资产包)
        "ends_at": platform.later(hours=1),
    }
    made = await platform.post("/api/v1/listings", operator, body)
    assert made.status_code == 201, made.text
    assert made.json()["package"] is True and len(made.json()["items"]) == 2
    bought = await platform.post(f"/api/v1/listings/{made.json()['id']}/buy", buyer)
    assert bought.status_code == 200, bought.text
    assert bought.json()["results"][0]["quantity"] is None  # sold whole
    assert await platform.holdings(buyer) == {
        (items[0][0], "active"): "156.35",
        (items[1][0], "active"): "1500",
    }
    assert await platform.holdings(operator) == {(items[1][0], "active"): "500"}
    assert await cash(platform, buyer) == ("12000.00", "0.00")
    async with platform.core.database.reads() as session:
        kinds = await session.execute(text("SELECT kind FROM ledger_entries ORDER BY seq DESC LIMIT 1"))
        assert kinds.scalar() == "package.settled"  # both deliveries and the cash in one entry
    assert await platform.audit() == []


async def test_a_package_auction_takes_only_bids_for_the_whole(platform: Platform) -> None:
    operator, items = await package_of(platform)
    a, b = await bidders(platform, 2)
    body = {
        "items": [{"issuance": i, "quantity": q} for i, q in items],
        "mode": "sealed",
        "price": "60000.00",
        "ends_at": platform.later(seconds=3),
    }
    listing = (await platform.post("/api/v1/listings", operator, body)).json()
    for member in (a, b):
        await platform.post(f"/api/v1/listings/{listing['id']}/register", member)
    part = await platform.post(
        f"/api/v1/listings/{listing['id']}/bids", a, {"price": "70000.00", "quantity": "1000"}
    )
    assert part.status_code == 422 and part.json()["field"] == "quantity"
    placed = await platform.post(f"/api/v1/listings/{listing['id']}/bids", a, {"price": "70000.00"})
    assert placed.status_code == 201, placed.text
    await platform.post(f"/api/v1/listings/{listing['id']}/bids", b, {"price": "75000.00"})
    result = await closed(platform, listing)
    assert [(r["party"], r["price"]) for r in result["results"]] == [(b.party, "75000.00")]
    assert await cash(platform, a) == ("100000.00", "0.00")
    assert await cash(platform, b) == ("25000.00", "0.00")
    assert await platform.audit() == []


async def test_a_listing_names_each_issuance_once(platform: Platform) -> None:
    operator, items = await package_of(platform)
    twice = [{"issuance": items[1][0], "quantity": "100"}] * 2
    refused = await platform.post(
        "/api/v1/listings",
        operator,
        {"items": twice, "mode": "fixed", "price": "1.00", "ends_at": platform.later(minutes=1)},
    )
    assert refused.status_code == 422 and refused.json()["field"] == "items"
