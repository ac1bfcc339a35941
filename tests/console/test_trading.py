"""The holder's workplace in the console: holdings and cash, the order ticket with what an order comes
to, an order entered through the same sequencer and edge as the API's, open orders cancelled, fills
with their confirmations; refusals shown beside their field, changing nothing."""

import json
import re
from typing import Any

import pytest
from httpx import Response

from tests.console.test_sign_in import sign_in, token_of
from tests.platform import Member, Platform

pytestmark = pytest.mark.anyio


async def _market(platform: Platform) -> tuple[Member, Member, dict[str, Any]]:
    """A collective selling 300 of its 1,000 t of carbon sink (碳汇) at 45.00, and an enterprise
    buyer with 100,000.00 CNY, signed in to the console."""
    seller, buyer = await platform.onboard("collective", "361028"), await platform.onboard("enterprise")
    issued = await platform.confirmed(seller, "CS", "1000")
    await platform.open_market(issued["instrument"], "45.00", band_bps=5000)
    await platform.deposit(buyer, "100000.00")
    body = {"instrument": issued["instrument"], "side": "sell", "quantity": "300", "price": "45.00"}
    assert (await platform.post("/api/v1/orders", seller, body)).status_code == 201
    assert (await sign_in(platform, buyer.key)).status_code == 303
    return seller, buyer, issued


async def _ticket(platform: Platform, instrument: str, **fields: str) -> Response:
    page = await platform.client.get("/trade", params={"instrument": instrument})
    assert page.status_code == 200, page.text
    key = re.search(r'name="form_key" value="([^"]+)"', page.text)
    assert key is not None
    form = {"csrf_token": token_of(page), "form_key": key.group(1), "instrument": instrument, **fields}
    return await platform.client.post("/trade/orders", data=form, follow_redirects=False)


async def _orders(platform: Platform, member: Member) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = (await platform.get("/api/v1/orders", member)).json()["items"]
    return found


async def test_holdings_show_units_with_serials_and_cash_with_reserves(platform: Platform) -> None:
    seller, _, issued = await _market(platform)
    page = await platform.client.get("/holdings")
    assert page.status_code == 200, page.text
    assert "¥100,000.00" in page.text  # the buyer's cash, all of it available
    await sign_in(platform, seller.key)
    page = await platform.client.get("/holdings")
    assert f'href="/register/{issued["id"]}"' in page.text
    assert "700" in page.text and "300" in page.text  # free, and reserved by the resting sell
    held = (await platform.get(f"/api/v1/parties/{seller.party}/holdings", seller)).json()
    assert {h["state"] for h in held} == {"active", "reserved"}
    assert all(serial in page.text for h in held for serial in h["serials"])
    english = await platform.client.get("/holdings", params={"lang": "en"})
    assert "Reserved (order or listing)" in english.text and "Free" in english.text


async def test_an_order_from_the_ticket_trades_and_its_fill_has_a_confirmation(platform: Platform) -> None:
    seller, buyer, issued = await _market(platform)
    instrument = issued["instrument"]
    quote = await platform.client.get(
        "/trade/quote",
        params={"instrument": instrument, "side": "buy", "quantity": "200", "price": "46.00"},
        headers={"HX-Request": "true"},
    )
    assert quote.status_code == 200 and "<html" not in quote.text
    assert "¥9,200.00" in quote.text  # 200 at the limit of 46.00, before it trades at 45.00
    sent = await _ticket(platform, instrument, side="buy", quantity="200", price="46.00")
    assert sent.status_code == 303, sent.text
    placed = (await _orders(platform, buyer))[0]
    assert (placed["status"], placed["filled"]) == ("filled", "200")
    assert sent.headers["location"] == f"/trade?instrument={instrument}&placed={placed['id']}"
    page = await platform.client.get(sent.headers["location"])
    assert placed["id"] in page.text and "¥9,000.00" in page.text  # the fill's value at 45.00
    assert await platform.holdings(buyer) == {(issued["id"], "active"): "200"}
    trade = (await platform.get("/api/v1/fills", buyer)).json()["items"][0]["trade"]
    assert f'href="/trade/confirmations/{trade}"' in page.text

    holding = f"/holdings/{issued['id']}"
    assert f'href="{holding}"' in (await platform.client.get("/holdings")).text
    provenance = await platform.client.get(holding)  # how the buyer came by its units: from the seller
    assert provenance.status_code == 200 and "转入" in provenance.text and "200" in provenance.text
    assert seller.party in provenance.text  # a village collective: by id, its name not the buyer's to read


async def test_a_form_sent_twice_enters_one_order(platform: Platform) -> None:
    _, buyer, issued = await _market(platform)
    page = await platform.client.get("/trade")
    key = re.search(r'name="form_key" value="([^"]+)"', page.text)
    assert key is not None
    form = {
        "csrf_token": token_of(page),
        "form_key": key.group(1),
        "instrument": issued["instrument"],
        "side": "buy",
        "quantity": "10",
        "price": "40.00",
    }
    first = await platform.client.post("/trade/orders", data=form, follow_redirects=False)
    again = await platform.client.post("/trade/orders", data=form, follow_redirects=False)
    assert first.status_code == again.status_code == 303
    assert first.headers["location"] == again.headers["location"]
    assert len(await _orders(platform, buyer)) == 1


@pytest.mark.parametrize(
    "fields",
    [
        {"side": "buy", "quantity": "abc", "price": "46.00"},
        {"side": "hold", "quantity": "10", "price": "46.00"},
        {"side": "buy", "quantity": "10", "price": "46.001"},
        {"side": "buy", "quantity": "100000", "price": "46.00"},  # more cash than it has
        {"side": "sell", "quantity": "10", "price": "46.00"},  # no units to sell
    ],
)
async def test_a_refused_order_is_shown_as_the_api_refuses_it_and_changes_nothing(
    platform: Platform, fields: dict[str, str]
) -> None:
    _, buyer, issued = await _market(platform)
    before = await platform.get(f"/api/v1/parties/{buyer.party}/cash", buyer)
    api = await platform.post("/api/v1/orders", buyer, {"instrument": issued["instrument"], **fields})
    answer = await _ticket(platform, issued["instrument"], **fields)
    assert answer.status_code == api.status_code >= 400, answer.text
    assert 'role="alert"' in answer.text
    field = api.json()["field"]
    assert f"<code>{field}</code>" in answer.text and f'id="t-{field}"' in answer.text
    assert fields["quantity"] in answer.text  # what was typed is kept
    assert await _orders(platform, buyer) == []
    assert (await platform.get(f"/api/v1/parties/{buyer.party}/cash", buyer)).json() == before.json()


async def test_a_viewer_is_not_offered_the_ticket(platform: Platform) -> None:
    _, buyer, _ = await _market(platform)
    viewer = await platform.add_user(buyer, buyer.party, "enterprise", role="viewer")
    await sign_in(platform, viewer.key)
    page = await platform.client.get("/trade")
    assert page.status_code == 200 and 'action="/trade/orders"' not in page.text


async def test_an_open_order_is_cancelled_from_the_list(platform: Platform) -> None:
    _, buyer, issued = await _market(platform)
    assert (
        await _ticket(platform, issued["instrument"], side="buy", quantity="10", price="40.00")
    ).status_code == 303
    order = (await _orders(platform, buyer))[0]
    page = await platform.client.get("/trade")
    assert f'action="/trade/orders/{order["id"]}/cancel"' in page.text
    cancelled = await platform.client.post(
        f"/trade/orders/{order['id']}/cancel", data={"csrf_token": token_of(page)}, follow_redirects=False
    )
    assert cancelled.status_code == 303, cancelled.text
    assert (await _orders(platform, buyer))[0]["status"] == "cancelled"
    account = (await platform.get(f"/api/v1/parties/{buyer.party}/cash", buyer)).json()
    assert account["reserved"] == "0.00"


async def test_someone_elses_order_cannot_be_cancelled_and_pages_are_for_holders(platform: Platform) -> None:
    seller, _, _ = await _market(platform)
    theirs = (await _orders(platform, seller))[0]
    page = await platform.client.get("/trade")
    refused = await platform.client.post(
        f"/trade/orders/{theirs['id']}/cancel", data={"csrf_token": token_of(page)}, follow_redirects=False
    )
    assert refused.status_code == 404
    assert (await _orders(platform, seller))[0]["status"] == "open"
    await sign_in(platform, (await platform.bank()).key)
    assert (await platform.client.get("/trade")).status_code == 403
    assert 'href="/trade"' not in (await platform.client.get("/")).text  # not shown to a bank
    await platform.client.post("/sign-out", data={"csrf_token": token_of(await platform.client.get("/"))})
    assert (await platform.client.get("/holdings")).status_code == 401


async def test_a_trade_confirmation_is_made_from_its_ledger_entry_for_its_parties_only(
    platform: Platform,
) -> None:
    seller, buyer, issued = await _market(platform)
    assert (
        await _ticket(platform, issued["instrument"], side="buy", quantity="200", price="46.00")
    ).status_code == 303
    trade = (await platform.get("/api/v1/fills", buyer)).json()["items"][0]["trade"]
    page = await platform.client.get(f"/trade/confirmations/{trade}")
    assert page.status_code == 200, page.text
    linked = re.search(r"/ledger/entry\?seq=(\d+)", page.text)
    assert linked is not None
    seq = int(linked.group(1))
    served = await platform.get("/api/v1/ledger/entries", buyer, start=seq, end=seq + 1)
    settled = json.loads(served.text.splitlines()[0])
    assert (settled["kind"], settled["body"]["trade"]) == ("trade.settled", trade)
    for shown in (
        "成交确认书",
        "¥9,000.00",
        buyer.party,
        seller.party,
        f"/ledger/entry?seq={seq}",
        'src="data:image/svg+xml',
    ):
        assert shown in page.text, shown
    for first, last in settled["body"]["ranges"]:
        assert f"{first}–{last}" in page.text
    assert await _name(platform, buyer) in page.text  # an enterprise is named; the collective only by id
    entry = await platform.client.get("/ledger/entry", params={"seq": seq})
    assert entry.status_code == 200 and trade in entry.text  # its party reads it, with its proof
    await sign_in(platform, seller.key)
    assert (await platform.client.get(f"/trade/confirmations/{trade}")).status_code == 200
    stranger = await platform.onboard("enterprise")
    await sign_in(platform, stranger.key)
    assert (await platform.client.get(f"/trade/confirmations/{trade}")).status_code == 404
    assert (await platform.client.get("/ledger/entry", params={"seq": seq})).status_code == 404


async def _name(platform: Platform, member: Member) -> str:
    name: str = (await platform.get(f"/api/v1/parties/{member.party}", member)).json()["name"]
    return name
