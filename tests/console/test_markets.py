"""The public market pages: instruments with best prices and last trade, open listings with the time
left, an instrument's chart, depth and tape — read by anyone, naming no party."""

import re

import pytest

from tests.console.test_sign_in import sign_in, token_of
from tests.console.test_trading import _market
from tests.platform import Platform

pytestmark = pytest.mark.anyio


async def test_the_market_lists_instruments_and_an_instrument_shows_its_chart_depth_and_tape(
    platform: Platform,
) -> None:
    seller, buyer, issued = await _market(platform)  # a sell of 300 at 45.00 rests
    instrument = issued["instrument"]
    for quantity, price in (("100", "46.00"), ("50", "46.00")):
        body = {"instrument": instrument, "side": "buy", "quantity": quantity, "price": price}
        assert (await platform.post("/api/v1/orders", buyer, body)).status_code == 201
    platform.client.cookies.clear()  # as the public sees it
    listed = await platform.get("/market")
    assert listed.status_code == 200, listed.text
    assert f'href="/market/{instrument}"' in listed.text and "¥45.00" in listed.text
    page = await platform.get(f"/market/{instrument}")
    assert page.status_code == 200, page.text
    assert "<polyline" in page.text  # two trades: the latest trades' line
    assert page.text.count("¥45.00") >= 3  # last price and two prints
    assert re.search(r"<td class=\"num\">45.00</td><td class=\"num\">150</td>", page.text)  # the ask left
    assert seller.party not in page.text and buyer.party not in page.text  # no party named
    english = await platform.get(f"/market/{instrument}", lang="en")
    assert "Latest trades" in english.text and "Depth" in english.text
    assert (await platform.get("/market/no-such-book")).status_code == 404


async def test_an_open_listing_shows_with_its_time_left(platform: Platform) -> None:
    seller = await platform.onboard("enterprise")
    issued = await platform.confirmed(seller, "CS", "1000")
    body = {
        "items": [{"issuance": issued["id"], "quantity": "100"}],
        "mode": "english",
        "price": "40.00",
        "ends_at": platform.later(days=3),
    }
    made = await platform.post("/api/v1/listings", seller, body)
    assert made.status_code == 201, made.text
    page = await platform.get("/market")
    assert made.json()["id"] in page.text and "3天" in page.text
    english = await platform.get("/market", lang="en")
    assert "3 days" in english.text and "English auction" in english.text


async def test_a_regulator_halts_and_resumes_trading_from_the_instruments_page(platform: Platform) -> None:
    _, buyer, issued = await _market(platform)
    instrument = issued["instrument"]
    assert 'action="/market/' not in (await platform.get(f"/market/{instrument}")).text  # not the buyer's
    await sign_in(platform, (await platform.regulator()).key)
    page = await platform.get(f"/market/{instrument}")
    assert f'action="/market/{instrument}/halt"' in page.text
    halted = await platform.client.post(
        f"/market/{instrument}/halt", data={"csrf_token": token_of(page)}, follow_redirects=False
    )
    assert halted.status_code == 303, halted.text
    assert (await platform.get(f"/api/v1/market/{instrument}/rules")).json()["halted"] is True
    page = await platform.get(f"/market/{instrument}")
    assert f'action="/market/{instrument}/resume"' in page.text
    resumed = await platform.client.post(
        f"/market/{instrument}/resume", data={"csrf_token": token_of(page)}, follow_redirects=False
    )
    assert resumed.status_code == 303, resumed.text
    assert (await platform.get(f"/api/v1/market/{instrument}/rules")).json()["halted"] is False
    await sign_in(platform, buyer.key)
    mine = await platform.get(f"/market/{instrument}")
    refused = await platform.client.post(
        f"/market/{instrument}/halt", data={"csrf_token": token_of(mine)}, follow_redirects=False
    )
    assert refused.status_code == 403  # the route's rule: supervisors only
    assert (await platform.get(f"/api/v1/market/{instrument}/rules")).json()["halted"] is False
