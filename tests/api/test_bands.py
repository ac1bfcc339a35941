"""Every instrument has a price band (issue 11, point 7): a new instrument takes its asset class's
default band around a reference price — the registrar's, until a later trading day closes, then the
last close — and takes no orders before it has one; an order outside the band is refused before it
can trade."""

from typing import Any

import pytest

from tests.platform import Member, Platform

pytestmark = pytest.mark.anyio


async def fresh_carbon_sink(platform: Platform) -> tuple[Member, Member, str]:
    """A new carbon-sink (碳汇) instrument: a seller holding 1,000 tCO2e, a buyer with cash."""
    seller, buyer = await platform.onboard("collective", "361028"), await platform.onboard("enterprise")
    issued = await platform.confirmed(seller, "CS", "1000")
    await platform.deposit(buyer, "100000.00")
    return seller, buyer, issued["instrument"]


async def order(platform: Platform, member: Member, instrument: str, side: str, price: str) -> Any:
    body = {"instrument": instrument, "side": side, "quantity": "1", "price": price}
    return await platform.post("/api/v1/orders", member, body)


async def rules(platform: Platform, instrument: str) -> dict[str, Any]:
    found = await platform.get(f"/api/v1/market/{instrument}/rules")
    assert found.status_code == 200, found.text
    result: dict[str, Any] = found.json()
    return result


async def test_a_fresh_instrument_takes_no_order_until_the_registrar_sets_its_reference_price(
    platform: Platform,
) -> None:
    # the case: sell 1 @ 0.01 and buy 1 @ 0.01 on a fresh carbon-sink instrument must not trade
    seller, buyer, instrument = await fresh_carbon_sink(platform)
    shown = await rules(platform, instrument)
    assert (shown["band_bps"], shown["reference_price"], shown["band"]) == (1000, None, None)
    before = await platform.fingerprint()
    for member, side in ((seller, "sell"), (buyer, "buy")):
        refused = await order(platform, member, instrument, side, "0.01")
        assert refused.status_code == 422, refused.text
        problem = refused.json()
        assert problem["type"].endswith("/no-price-band") and problem["field"] == "price"
        assert problem["instrument"] == instrument
    assert await platform.fingerprint() == before
    assert (await platform.get(f"/api/v1/market/{instrument}/trades")).json()["items"] == []


async def test_the_class_default_band_is_centred_on_the_registrars_reference(platform: Platform) -> None:
    seller, buyer, instrument = await fresh_carbon_sink(platform)
    await platform.open_market(instrument, "45.00")  # the band is carbon sink's default, ±10%
    shown = await rules(platform, instrument)
    assert (shown["band_bps"], shown["reference_price"], shown["band"]) == (1000, "45.00", ["40.50", "49.50"])
    before = await platform.fingerprint()
    for member, side, price in ((seller, "sell", "0.01"), (buyer, "buy", "0.01"), (buyer, "buy", "49.51")):
        refused = await order(platform, member, instrument, side, price)
        assert refused.status_code == 422, refused.text
        problem = refused.json()
        assert problem["type"].endswith("/outside-price-band") and problem["field"] == "price"
        assert (problem["low"], problem["high"]) == ("40.50", "49.50")
    assert await platform.fingerprint() == before
    for member, side in ((seller, "sell"), (buyer, "buy")):
        assert (await order(platform, member, instrument, side, "40.50")).status_code == 201
    tape = (await platform.get(f"/api/v1/market/{instrument}/trades")).json()["items"]
    assert [(t["price"], t["quantity"]) for t in tape] == [("40.50", "1")]
    assert await platform.audit() == []


async def test_a_market_order_on_a_fresh_instrument_is_refused_too(platform: Platform) -> None:
    _, buyer, instrument = await fresh_carbon_sink(platform)
    body = {"instrument": instrument, "side": "buy", "quantity": "1", "time_in_force": "IOC"}
    refused = await platform.post("/api/v1/orders", buyer, body)
    assert refused.status_code == 422 and refused.json()["type"].endswith("/no-price-band"), refused.text


async def test_after_a_trading_day_closes_the_band_follows_the_last_close(platform: Platform) -> None:
    seller, buyer, instrument = await fresh_carbon_sink(platform)
    await platform.open_market(instrument, "45.00")
    for member, side in ((seller, "sell"), (buyer, "buy")):
        assert (await order(platform, member, instrument, side, "49.00")).status_code == 201
    assert (await rules(platform, instrument))["band"] == ["40.50", "49.50"]  # the same all day
    await platform.advance(days=1)  # the next trading day: centred on the close, 49.00
    shown = await rules(platform, instrument)
    assert (shown["reference_price"], shown["band"]) == ("49.00", ["44.10", "53.90"])
    assert (await order(platform, seller, instrument, "sell", "53.90")).status_code == 201
    refused = await order(platform, seller, instrument, "sell", "44.00")
    assert refused.status_code == 422 and refused.json()["low"] == "44.10", refused.text
    await platform.open_market(instrument, "46.00")  # the registrar re-centres it at once
    assert (await rules(platform, instrument))["band"] == ["41.40", "50.60"]
    assert (await order(platform, seller, instrument, "sell", "44.00")).status_code == 201


async def test_the_registrars_band_replaces_the_class_default(platform: Platform) -> None:
    seller, _, instrument = await fresh_carbon_sink(platform)
    await platform.open_market(instrument, "45.00", band_bps=500)
    assert (await rules(platform, instrument))["band"] == ["42.75", "47.25"]
    refused = await order(platform, seller, instrument, "sell", "42.70")
    assert refused.status_code == 422 and refused.json()["field"] == "price", refused.text


async def test_every_asset_class_declares_a_default_band(platform: Platform) -> None:
    classes = (await platform.get("/api/v1/asset-classes")).json()
    holder = await platform.onboard("enterprise")
    for code in ("CS", "EP", "EPHM", "WL"):
        assert code in {c["code"] for c in classes}
        issued = await platform.confirmed(holder, code)
        assert (await rules(platform, issued["instrument"]))["band_bps"] == 1000, code


async def test_a_new_kind_of_right_declares_no_band_so_the_registrar_sets_one(platform: Platform) -> None:
    water = {"code": "WR", "name": "Water use right", "name_zh": "用水权", "unit": "m3/a", "scale": 0,
             "price_basis": "unit", "retirable": False, "fungible_by": ["division"], "term_attribute": None,
             "attribute_schema": {"type": "object", "properties": {}}}  # fmt: skip
    defined = await platform.post("/api/v1/asset-classes", platform.registrar, water)
    assert defined.status_code == 201, defined.text
    holder = await platform.onboard("enterprise")
    issued = await platform.confirmed(holder, "CS", "500", asset_class="WR", attributes={})
    instrument = issued["instrument"]
    await platform.open_market(instrument, "2.00")  # a reference price alone is not a band
    assert (await rules(platform, instrument))["band_bps"] is None
    refused = await order(platform, holder, instrument, "sell", "2.00")
    assert refused.status_code == 422 and refused.json()["type"].endswith("/no-price-band"), refused.text
    await platform.open_market(instrument, "2.00", band_bps=2000)
    assert (await rules(platform, instrument))["band"] == ["1.60", "2.40"]
    assert (await order(platform, holder, instrument, "sell", "2.00")).status_code == 201
