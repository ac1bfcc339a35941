"""A permit's value counts the years left on its term when the trade settles (issue 11, point 4): a
started year counts whole (不足一年按一年计), and offers, orders, listings and quotes show the years,
the value and each side's fee before anyone commits."""

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from tests.platform import ATTRIBUTES, Member, Platform

pytestmark = pytest.mark.anyio

NOV_29 = dt.datetime(2026, 11, 29, 2, 0, tzinfo=dt.UTC)  # 10:00 in Jiangxi


def permit(start: str, end: str) -> dict[str, Any]:
    return {**ATTRIBUTES["EP"], "term_start": start, "term_end": end}


async def balance(platform: Platform, member: Member) -> tuple[str, str]:
    account = (await platform.get(f"/api/v1/parties/{member.party}/cash", member)).json()
    return account["balance"], account["reserved"]


async def quote(platform: Platform, instrument: str, side: str, price: str, quantity: str) -> dict[str, Any]:
    found = await platform.get(
        f"/api/v1/market/{instrument}/quote", side=side, price=price, quantity=quantity
    )
    assert found.status_code == 200, found.text
    result: dict[str, Any] = found.json()
    return result


async def offer(platform: Platform, seller: Member, buyer: Member, issuance: int, deadline: str) -> Any:
    body = {"buyer": buyer.party, "issuance": issuance, "quantity": "96.000", "price": "389.00",
            "deadline": deadline}  # fmt: skip
    return await platform.post("/api/v1/offers", seller, body)


@pytest.mark.parametrize(
    ("start", "end", "moment", "years", "value"),
    [
        ("2026-01-01", "2030-12-31", NOV_29, 5, "186720.00"),
        ("2025-01-01", "2029-12-31", NOV_29, 4, "149376.00"),
        ("2026-07-01", "2028-12-31", None, 3, "112032.00"),  # traded on 2026-06-01, before it starts
    ],
)
async def test_a_negotiated_permit_trade_counts_the_years_left_at_settlement(
    platform: Platform, start: str, end: str, moment: dt.datetime | None, years: int, value: str
) -> None:
    if moment is not None:
        platform.clock.now = moment
    seller, buyer = await platform.onboard("enterprise"), await platform.onboard("enterprise")
    issued = await platform.confirmed(seller, "EP", "96.000", attributes=permit(start, end))
    await platform.deposit(buyer, "200000.00")
    made = await offer(platform, seller, buyer, issued["id"], platform.later(hours=1))
    assert made.status_code == 201, made.text
    assert (made.json()["years"], made.json()["value"]) == (years, value)
    accepted = await platform.post(f"/api/v1/offers/{made.json()['id']}/accept", buyer)
    assert accepted.status_code == 200, accepted.text
    assert (accepted.json()["years"], accepted.json()["value"]) == (years, value)
    assert (await balance(platform, seller))[0] == value
    assert await platform.audit() == []


async def test_jiangxis_first_permit_trade_settles_at_186720_on_the_book(platform: Platform) -> None:
    # 96 t/a of SO2 at 389.00 元/吨·年 on a 2026–2030 permit traded in 2026: 96 × 389.00 × 5
    seller, buyer = await platform.onboard("enterprise"), await platform.onboard("enterprise")
    issued = await platform.confirmed(seller, "EP", "96.000", attributes=permit("2026-01-01", "2030-12-31"))
    instrument = issued["instrument"]
    await platform.open_market(instrument, "389.00")
    await platform.deposit(buyer, "200000.00")
    asked = await quote(platform, instrument, "buy", "389.00", "96.000")
    assert asked == {
        "instrument": instrument,
        "side": "buy",
        "price": "389.00",
        "quantity": "96.000",
        "years": 5,
        "value": "186720.00",
        "buyer_fee": "0.00",
        "seller_fee": "0.00",
        "held": "187200.00",
    }  # fmt: skip  (1.945 fen per lot of 0.001 t/a, held as 1.95)
    body = {"instrument": instrument, "quantity": "96.000", "price": "389.00"}
    sell = await platform.post("/api/v1/orders", seller, {**body, "side": "sell"})
    assert sell.status_code == 201, sell.text
    assert (sell.json()["years"], sell.json()["value"], sell.json()["seller_fee"]) == (5, "186720.00", "0.00")
    buy = await platform.post("/api/v1/orders", buyer, {**body, "side": "buy"})
    assert buy.status_code == 201 and buy.json()["status"] == "filled", buy.text
    assert await balance(platform, buyer) == ("13280.00", "0.00")
    assert await balance(platform, seller) == ("186720.00", "0.00")
    assert await platform.audit() == []


async def test_a_resting_buy_holds_enough_and_fills_for_the_years_left_when_it_trades(
    platform: Platform,
) -> None:
    # entered on 2026-12-31 (5 years left), filled on 2027-01-02 (4 left): the hold covered more
    platform.clock.now = dt.datetime(2026, 12, 31, 2, 0, tzinfo=dt.UTC)
    seller, buyer = await platform.onboard("enterprise"), await platform.onboard("enterprise")
    issued = await platform.confirmed(seller, "EP", "96.000", attributes=permit("2026-01-01", "2030-12-31"))
    instrument = issued["instrument"]
    await platform.open_market(instrument, "389.00")
    await platform.deposit(buyer, "200000.00")
    body = {"instrument": instrument, "quantity": "96.000", "price": "389.00"}
    rests = await platform.post("/api/v1/orders", buyer, {**body, "side": "buy"})
    assert rests.status_code == 201 and rests.json()["years"] == 5, rests.text
    assert await balance(platform, buyer) == ("200000.00", "187200.00")  # 5 years, rounded up per lot
    await platform.advance(days=2)
    shown = (await platform.get(f"/api/v1/orders/{rests.json()['id']}", buyer)).json()
    assert (shown["years"], shown["value"]) == (4, "149376.00")  # what it would fill for now
    assert (await quote(platform, instrument, "sell", "389.00", "96.000"))["years"] == 4
    assert (await platform.post("/api/v1/orders", seller, {**body, "side": "sell"})).status_code == 201
    assert await balance(platform, buyer) == ("50624.00", "0.00")  # 200,000.00 - 96 × 389.00 × 4
    assert await balance(platform, seller) == ("149376.00", "0.00")
    assert await platform.audit() == []


async def test_an_offer_accepted_after_an_anniversary_settles_for_the_fewer_years(platform: Platform) -> None:
    platform.clock.now = dt.datetime(2026, 12, 31, 14, 0, tzinfo=dt.UTC)  # 22:00 on 31 December
    seller, buyer = await platform.onboard("enterprise"), await platform.onboard("enterprise")
    issued = await platform.confirmed(seller, "EP", "96.000", attributes=permit("2026-01-01", "2030-12-31"))
    await platform.deposit(buyer, "200000.00")
    made = await offer(platform, seller, buyer, issued["id"], platform.later(days=3))
    assert (made.json()["years"], made.json()["value"]) == (5, "186720.00")
    platform.clock.now += dt.timedelta(hours=3)  # 01:00 on 1 January 2027 in Jiangxi
    shown = (await platform.get(f"/api/v1/offers/{made.json()['id']}", buyer)).json()
    assert (shown["years"], shown["value"]) == (4, "149376.00")
    accepted = await platform.post(f"/api/v1/offers/{made.json()['id']}/accept", buyer)
    assert (accepted.json()["years"], accepted.json()["value"]) == (4, "149376.00"), accepted.text
    assert await balance(platform, seller) == ("149376.00", "0.00")
    assert await platform.audit() == []


async def test_offers_listings_and_quotes_show_each_sides_fee_before_anyone_commits(
    database_url: str, tmp_path: Path
) -> None:
    async with Platform.start(database_url, tmp_path / "ledger.key", fee_bps=30) as platform:
        seller, buyer = await platform.onboard("enterprise"), await platform.onboard("enterprise")
        issued = await platform.confirmed(
            seller, "EP", "96.000", attributes=permit("2026-01-01", "2030-12-31")
        )
        await platform.deposit(buyer, "200000.00")
        # 186,720.00 × 0.30% = 560.16 on each side; a buy holds value and fee, each rounded up per lot
        # of 0.001 t/a (1.945 + 0.005835 fen, held as 1.95 + 0.01)
        figures = {"years": 5, "value": "186720.00", "buyer_fee": "560.16", "seller_fee": "560.16"}
        asked = await quote(platform, issued["instrument"], "buy", "389.00", "96.000")
        assert {name: asked[name] for name in figures} == figures and asked["held"] == "188160.00"
        listing = {"items": [{"issuance": issued["id"], "quantity": "96.000"}], "mode": "fixed",
                   "price": "389.00", "ends_at": platform.later(days=1)}  # fmt: skip
        listed = await platform.post("/api/v1/listings", seller, listing)
        assert listed.status_code == 201, listed.text
        assert {name: listed.json()[name] for name in figures} == figures
        public = (await platform.get(f"/api/v1/listings/{listed.json()['id']}")).json()
        assert {name: public[name] for name in figures} == figures
        bought = await platform.post(f"/api/v1/listings/{listed.json()['id']}/buy", buyer)
        assert bought.status_code == 200, bought.text
        assert await balance(platform, buyer) == ("12719.84", "0.00")  # 200,000.00 - 186,720.00 - 560.16
        assert await platform.audit() == []


async def test_an_offer_shows_its_fees(database_url: str, tmp_path: Path) -> None:
    async with Platform.start(database_url, tmp_path / "ledger.key", fee_bps=30) as platform:
        seller, buyer = await platform.onboard("enterprise"), await platform.onboard("enterprise")
        issued = await platform.confirmed(
            seller, "EP", "96.000", attributes=permit("2026-01-01", "2030-12-31")
        )
        made = await offer(platform, seller, buyer, issued["id"], platform.later(hours=1))
        assert (made.json()["buyer_fee"], made.json()["seller_fee"]) == ("560.16", "560.16")


async def test_a_quote_is_refused_once_the_term_is_over(platform: Platform) -> None:
    seller = await platform.onboard("enterprise")
    issued = await platform.confirmed(seller, "EP", "96.000", attributes=permit("2026-01-01", "2026-12-31"))
    platform.clock.now = dt.datetime(2027, 1, 1, 2, 0, tzinfo=dt.UTC)
    refused = await platform.get(
        f"/api/v1/market/{issued['instrument']}/quote", side="buy", price="389.00", quantity="1.000"
    )
    assert refused.status_code == 422 and refused.json()["type"].endswith("/term-over"), refused.text


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"side": "buy", "price": "389.001", "quantity": "1.000"}, "price"),
        ({"side": "buy", "price": "389.00", "quantity": "1.0001"}, "quantity"),
        ({"side": "buy", "price": "0", "quantity": "1.000"}, "price"),
        ({"side": "hold", "price": "389.00", "quantity": "1.000"}, "side"),
    ],
)
async def test_a_bad_quote_names_the_field(platform: Platform, query: dict[str, str], field: str) -> None:
    issued = await platform.confirmed(await platform.onboard("enterprise"), "EP", "96.000")
    refused = await platform.get(f"/api/v1/market/{issued['instrument']}/quote", **query)
    assert refused.status_code in (400, 422) and refused.json()["field"] == field, refused.text


async def test_a_quote_for_an_unknown_instrument_is_not_found(platform: Platform) -> None:
    query = {"side": "buy", "price": "389.00", "quantity": "1"}
    missing = await platform.get("/api/v1/market/no-such-instrument/quote", **query)
    assert missing.status_code == 404 and missing.json()["field"] == "instrument", missing.text
