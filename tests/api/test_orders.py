"""Orders on the book through the API: holds on entry, fills settled delivery versus payment, cancel,
amend, expiry, halts with a reopening auction, market data and the errors users see."""

from pathlib import Path
from typing import Any

import pytest

from tests.platform import Member, Platform

pytestmark = pytest.mark.anyio


async def order(
    platform: Platform, member: Member, instrument: str, side: str, quantity: str, **extra: Any
) -> Any:
    return await platform.post(
        "/api/v1/orders", member, {"instrument": instrument, "side": side, "quantity": quantity, **extra}
    )


async def entered(
    platform: Platform, member: Member, instrument: str, side: str, quantity: str, **extra: Any
) -> dict[str, Any]:
    made = await order(platform, member, instrument, side, quantity, **extra)
    assert made.status_code == 201, made.text
    result: dict[str, Any] = made.json()
    return result


async def cash(platform: Platform, member: Member) -> tuple[str, str]:
    account = (await platform.get(f"/api/v1/parties/{member.party}/cash", member)).json()
    return account["balance"], account["reserved"]


async def market(platform: Platform) -> tuple[Member, Member, int, str]:
    """A seller holding 1,000 tCO2e of carbon sink (碳汇) and a buyer with 100,000.00 CNY, on a book
    opened at 45.00 ± 50%."""
    seller, buyer = await platform.onboard("collective", "361028"), await platform.onboard("enterprise")
    issued = await platform.confirmed(seller, "CS", "1000")
    await platform.open_market(issued["instrument"], "45.00", band_bps=5000)
    await platform.deposit(buyer, "100000.00")
    return seller, buyer, issued["id"], issued["instrument"]


async def test_a_crossing_order_settles_delivery_versus_payment_at_the_resting_price(
    platform: Platform,
) -> None:
    seller, buyer, issuance, instrument = await market(platform)
    ask = await entered(platform, seller, instrument, "sell", "300", price="45.00")
    assert await platform.holdings(seller) == {(issuance, "active"): "700", (issuance, "reserved"): "300"}
    bid = await entered(platform, buyer, instrument, "buy", "200", price="46.00")
    assert bid["status"] == "filled" and bid["filled"] == "200"
    assert await platform.holdings(buyer) == {(issuance, "active"): "200"}
    assert await platform.holdings(seller) == {(issuance, "active"): "700", (issuance, "reserved"): "100"}
    assert await cash(platform, buyer) == ("91000.00", "0.00")  # paid 200 × 45.00, the resting price
    assert await cash(platform, seller) == ("9000.00", "0.00")
    rest = (await platform.get(f"/api/v1/orders/{ask['id']}", seller)).json()
    assert (rest["status"], rest["remaining"], rest["filled"]) == ("open", "100", "200")
    tape = (await platform.get(f"/api/v1/market/{instrument}/trades")).json()["items"]
    assert [(t["price"], t["quantity"], t["aggressor"]) for t in tape] == [("45.00", "200", "buy")]
    depth = (await platform.get(f"/api/v1/market/{instrument}/depth")).json()
    assert depth["asks"] == [{"price": "45.00", "quantity": "100", "orders": 1}] and depth["bids"] == []
    bars = (await platform.get(f"/api/v1/market/{instrument}/bars")).json()
    assert [(b["open"], b["high"], b["low"], b["close"], b["volume"], b["trades"]) for b in bars] == [
        ("45.00", "45.00", "45.00", "45.00", "200", 1)
    ]
    fills = (await platform.get("/api/v1/fills", buyer)).json()["items"]
    assert [(f["side"], f["order"], f["value"]) for f in fills] == [("buy", bid["id"], "9000.00")]
    assert await platform.audit() == []


async def test_a_resting_buy_holds_its_cash_and_cancel_releases_it(platform: Platform) -> None:
    _, buyer, _, instrument = await market(platform)
    bid = await entered(platform, buyer, instrument, "buy", "100", price="40.00")
    assert await cash(platform, buyer) == ("100000.00", "4000.00")
    withdrawal = await platform.post(
        "/api/v1/cash/withdrawals",
        await platform.bank(),
        {"party": buyer.party, "amount": "96000.01", "reference": "W1"},
    )
    assert withdrawal.status_code == 422, withdrawal.text  # held cash is not free
    cancelled = await platform.post(f"/api/v1/orders/{bid['id']}/cancel", buyer)
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    assert await cash(platform, buyer) == ("100000.00", "0.00")
    again = await platform.post(f"/api/v1/orders/{bid['id']}/cancel", buyer)
    assert again.status_code == 409 and again.json()["field"] == "order"
    assert await platform.audit() == []


async def test_fees_per_side_go_to_the_platform(database_url: str, tmp_path: Path) -> None:
    async with Platform.start(database_url, tmp_path / "ledger.key", fee_bps=30) as platform:
        seller, buyer, _, instrument = await market(platform)
        await entered(platform, seller, instrument, "sell", "333", price="45.67")
        await entered(platform, buyer, instrument, "buy", "333", price="45.67")
        # 333 × 45.67 = 15,208.11; 0.30% = 45.62433, half-even to 45.62 on each side
        assert await cash(platform, buyer) == ("84746.27", "0.00")
        assert await cash(platform, seller) == ("15162.49", "0.00")
        registrar = await platform.get(f"/api/v1/parties/{platform.registrar.party}/cash", platform.registrar)
        assert registrar.json()["balance"] == "91.24"
        assert await platform.audit() == []


async def test_emission_permits_trade_at_price_per_year_of_term(platform: Platform) -> None:
    # 96 t/a of SO2 at 389.00 元/吨·年 on a 2024–2028 permit traded on 2026-06-01 counts the 3 years
    # left (2026 begun, 2027, 2028): 112,032.00 CNY (DESIGN §5), on the book too.
    seller, buyer = await platform.onboard("enterprise"), await platform.onboard("enterprise")
    issued = await platform.confirmed(seller, "EP", "96.000")
    await platform.open_market(issued["instrument"], "389.00")
    await platform.deposit(buyer, "200000.00")
    await entered(platform, seller, issued["instrument"], "sell", "96.000", price="389.00")
    await entered(platform, buyer, issued["instrument"], "buy", "96.000", price="389.00")
    assert await cash(platform, buyer) == ("87968.00", "0.00")
    assert await platform.holdings(buyer) == {(issued["id"], "active"): "96.000"}
    assert await platform.audit() == []


async def test_partial_fills_across_levels_keep_price_time_priority(platform: Platform) -> None:
    seller, buyer, _, instrument = await market(platform)
    other = await platform.onboard("collective", "361028")
    await platform.confirmed(other, "CS", "500")
    first = await entered(platform, seller, instrument, "sell", "100", price="45.00")
    second = await entered(platform, other, instrument, "sell", "100", price="45.00")
    dearer = await entered(platform, seller, instrument, "sell", "100", price="45.50")
    await entered(platform, buyer, instrument, "buy", "250", price="45.50", time_in_force="IOC")
    states = [
        (await platform.get(f"/api/v1/orders/{o['id']}", m)).json()
        for o, m in ((first, seller), (second, other), (dearer, seller))
    ]
    assert [(s["status"], s["remaining"]) for s in states] == [
        ("filled", "0"),
        ("filled", "0"),
        ("open", "50"),
    ]
    assert await cash(platform, buyer) == ("88725.00", "0.00")  # 100,000 - 200 × 45.00 - 50 × 45.50
    assert await platform.audit() == []


async def test_amend_down_keeps_priority_and_releases_the_difference(platform: Platform) -> None:
    seller, buyer, issuance, instrument = await market(platform)
    bid = await entered(platform, buyer, instrument, "buy", "100", price="40.00")
    amended = await platform.post(f"/api/v1/orders/{bid['id']}/amend", buyer, {"quantity": "60"})
    assert amended.status_code == 200, amended.text
    assert (amended.json()["remaining"], amended.json()["quantity"]) == ("60", "60")
    assert await cash(platform, buyer) == ("100000.00", "2400.00")
    repriced = await platform.post(
        f"/api/v1/orders/{bid['id']}/amend", buyer, {"quantity": "60", "price": "41.00"}
    )
    assert repriced.status_code == 200, repriced.text
    assert await cash(platform, buyer) == ("100000.00", "2460.00")
    await entered(platform, seller, instrument, "sell", "60", price="41.00")
    assert await platform.holdings(buyer) == {(issuance, "active"): "60"}
    assert await platform.audit() == []


async def test_someone_elses_order_cannot_be_cancelled(platform: Platform) -> None:
    seller, buyer, _, instrument = await market(platform)
    ask = await entered(platform, seller, instrument, "sell", "100", price="45.00")
    refused = await platform.post(f"/api/v1/orders/{ask['id']}/cancel", buyer)
    assert refused.status_code == 404 and refused.json()["field"] == "order"
    hidden = await platform.get(f"/api/v1/orders/{ask['id']}", buyer)
    assert hidden.status_code == 404


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({"side": "buy", "quantity": "10", "price": "40.001"}, 422, "price"),  # beyond the fen
        ({"side": "buy", "quantity": "10", "price": "40.05"}, 422, "price"),  # off the 0.10 tick
        ({"side": "buy", "quantity": "15", "price": "40.00"}, 422, "quantity"),  # odd lot of 10
        ({"side": "buy", "quantity": "10", "price": "50.00"}, 422, "price"),  # outside the ±10% band
        ({"side": "buy", "quantity": "10", "price": 40}, 400, "price"),  # a JSON number
        ({"side": "buy", "quantity": "10000", "price": "40.00"}, 422, "price"),  # not enough free cash
        ({"side": "sell", "quantity": "2000", "price": "40.00"}, 422, "quantity"),  # not enough units
        ({"side": "buy", "quantity": "10", "price": "40.00", "time_in_force": "GTD"}, 422, "expires_at"),
        ({"side": "hold", "quantity": "10", "price": "40.00"}, 400, "side"),
    ],
)
async def test_bad_orders_get_problems_naming_the_field_and_change_nothing(
    platform: Platform, body: dict[str, Any], status: int, field: str
) -> None:
    seller, buyer, _, instrument = await market(platform)
    rules = await platform.client.put(
        f"/api/v1/market/{instrument}/rules",
        json={
            "tick": "0.10",
            "lot": "10",
            "min_quantity": "10",
            "band_bps": 1000,
            "reference_price": "40.00",
        },
        headers=platform.registrar.auth,
    )
    assert rules.status_code == 200, rules.text
    assert rules.json()["band"] == ["36.00", "44.00"]
    member = seller if body["side"] == "sell" else buyer
    before = await platform.fingerprint()
    refused = await order(platform, member, instrument, **body)
    assert refused.status_code == status, refused.text
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert refused.json()["field"] == field or field in refused.text
    assert await platform.fingerprint() == before


async def test_refusals_speak_in_cny_and_display_units(platform: Platform) -> None:
    _, buyer, _, instrument = await market(platform)
    rules = {"tick": "0.10", "lot": "10", "min_quantity": "10", "band_bps": 1000, "reference_price": "40.00"}
    await platform.client.put(
        f"/api/v1/market/{instrument}/rules", json=rules, headers=platform.registrar.auth
    )
    problems = [
        (await order(platform, buyer, instrument, "buy", quantity, price=price)).json()
        for quantity, price in (("10", "50.00"), ("10", "40.05"), ("15", "40.00"))
    ]
    assert [(p["type"].rsplit("/", 1)[1], p["detail"]) for p in problems] == [
        ("outside-price-band", "the price 50.00 CNY is outside the band, 36.00 to 44.00 CNY"),
        ("price-off-tick", "the price 40.05 CNY is not a multiple of the tick 0.10 CNY"),
        ("quantity-off-lot", "the quantity 15 is not a whole number of lots of 10"),
    ]
    assert (problems[0]["price"], problems[0]["low"], problems[0]["high"]) == ("50.00", "36.00", "44.00")


async def test_halted_instrument_collects_orders_and_reopens_with_a_call_auction(platform: Platform) -> None:
    seller, buyer, issuance, instrument = await market(platform)
    regulator = await platform.regulator()
    halted = await platform.post(f"/api/v1/market/{instrument}/halt", regulator)
    assert halted.status_code == 200 and halted.json()["halted"] is True
    refused = await order(platform, buyer, instrument, "buy", "10", price="45.00", time_in_force="IOC")
    assert refused.status_code == 409 and refused.json()["field"] == "instrument"
    await entered(platform, seller, instrument, "sell", "100", price="44.00")
    await entered(platform, buyer, instrument, "buy", "60", price="46.00")
    assert (await platform.get(f"/api/v1/market/{instrument}/trades")).json()["items"] == []
    enterprise = await platform.post(f"/api/v1/market/{instrument}/resume", buyer)
    assert enterprise.status_code == 403
    resumed = await platform.post(f"/api/v1/market/{instrument}/resume", regulator)
    assert resumed.status_code == 200 and resumed.json()["halted"] is False
    tape = (await platform.get(f"/api/v1/market/{instrument}/trades")).json()["items"]
    assert [(t["quantity"], t["aggressor"]) for t in tape] == [("60", None)]
    assert await platform.holdings(buyer) == {(issuance, "active"): "60"}
    assert await platform.audit() == []


async def test_gtd_orders_expire_and_release_what_they_held(platform: Platform) -> None:
    seller, _, issuance, instrument = await market(platform)
    soon = platform.later(minutes=30)
    ask = await entered(
        platform, seller, instrument, "sell", "100", price="45.00", time_in_force="GTD", expires_at=soon
    )
    await platform.advance(minutes=29)
    assert (await platform.get(f"/api/v1/orders/{ask['id']}", seller)).json()["status"] == "open"
    await platform.advance(minutes=1)
    assert (await platform.get(f"/api/v1/orders/{ask['id']}", seller)).json()["status"] == "expired"
    assert await platform.holdings(seller) == {(issuance, "active"): "1000"}
    assert await platform.audit() == []


async def test_an_order_entered_twice_with_one_idempotency_key_is_entered_once(platform: Platform) -> None:
    seller, _, issuance, instrument = await market(platform)
    body = {"instrument": instrument, "side": "sell", "quantity": "100", "price": "45.00"}
    first = await platform.post("/api/v1/orders", seller, body, **{"Idempotency-Key": "o-1"})
    second = await platform.post("/api/v1/orders", seller, body, **{"Idempotency-Key": "o-1"})
    assert first.json() == second.json() and second.headers.get("idempotent-replayed") == "true"
    assert await platform.holdings(seller) == {(issuance, "active"): "900", (issuance, "reserved"): "100"}


async def test_own_orders_page_newest_first(platform: Platform) -> None:
    seller, _, _, instrument = await market(platform)
    made = [
        (await entered(platform, seller, instrument, "sell", "10", price=f"{50 + n}.00"))["id"]
        for n in range(3)
    ]
    first = (await platform.get("/api/v1/orders", seller, limit=2)).json()
    assert [o["id"] for o in first["items"]] == [made[2], made[1]]
    rest = (await platform.get("/api/v1/orders", seller, limit=2, cursor=first["next_cursor"])).json()
    assert [o["id"] for o in rest["items"]] == [made[0]] and rest["next_cursor"] is None
    bad = await platform.get("/api/v1/orders", seller, cursor="bm90LWFuLW9yZGVy")
    assert bad.status_code == 400 and bad.json()["field"] == "cursor"
