"""Negotiated transfers (协议转让) in the console: a seller offers units to a named buyer from the
offers page; the buyer sees it received, with the seller's name, and accepts (settled delivery versus
payment, with its confirmation) or declines; the seller withdraws; no one else may act on it — each
through the API's use case, checked through the API; refusals as the API's, changing nothing."""

import datetime as dt

import pytest
from httpx import Response

from market.pricing import CHINA_STANDARD_TIME
from tests.console.test_auctions import form_key
from tests.console.test_sign_in import sign_in, token_of
from tests.platform import Member, Platform

pytestmark = pytest.mark.anyio


async def offer(platform: Platform, seller: Member, **fields: str) -> Response:
    await sign_in(platform, seller.key)
    page = await platform.client.get("/offers")
    assert 'method="post" action="/offers"' in page.text, page.text
    tomorrow = (platform.now + dt.timedelta(days=1)).astimezone(CHINA_STANDARD_TIME).replace(tzinfo=None)
    form = {
        "csrf_token": token_of(page),
        "form_key": form_key(page),
        "deadline": tomorrow.isoformat(timespec="minutes"),
        **fields,
    }
    return await platform.client.post("/offers", data=form, follow_redirects=False)


async def press(platform: Platform, member: Member, offer_id: str, action: str) -> Response:
    await sign_in(platform, member.key)
    page = await platform.client.get("/offers")
    data = {"csrf_token": token_of(page)}
    return await platform.client.post(f"/offers/{offer_id}/{action}", data=data, follow_redirects=False)


async def status(platform: Platform, member: Member, offer_id: str) -> str:
    found: str = (await platform.get(f"/api/v1/offers/{offer_id}", member)).json()["status"]
    return found


async def test_an_offer_made_in_the_console_is_accepted_declined_or_withdrawn(platform: Platform) -> None:
    seller = await platform.onboard("collective", "361028")
    issued = await platform.confirmed(seller, "CS", "1000")
    buyer, stranger = await platform.onboard("enterprise"), await platform.onboard("enterprise")
    await platform.deposit(buyer, "100000.00")
    fields = {"buyer": buyer.party, "issuance": str(issued["id"]), "quantity": "100", "price": "45.00"}
    await sign_in(platform, seller.key)
    page = await platform.client.get("/offers")
    assert f'<option value="{buyer.party}">' in page.text  # the buyers suggested by name (organisations)
    bad = await offer(platform, seller, **{**fields, "buyer": "nobody"})
    api_body = {**fields, "issuance": issued["id"], "buyer": "nobody", "deadline": platform.later(days=1)}
    api = await platform.post("/api/v1/offers", seller, api_body)
    assert bad.status_code == api.status_code >= 400 and "buyer" in bad.text  # as the API refuses it
    assert (await platform.get("/api/v1/offers", seller)).json()["items"] == []

    made = [await offer(platform, seller, **fields) for _ in range(3)]
    assert all(answer.status_code == 303 for answer in made), made[0].text
    first, second, third = (answer.headers["location"].split("done=")[1] for answer in made)
    assert await platform.holdings(seller) == {
        (issued["id"], "active"): "700",
        (issued["id"], "reserved"): "300",
    }

    await sign_in(platform, buyer.key)
    received = await platform.client.get("/offers")
    assert f'action="/offers/{first}/accept"' in received.text and "¥4,500.00" in received.text
    assert "待答复的协议转让要约" in (await platform.client.get("/inbox")).text  # waiting on the buyer
    stolen = await press(platform, stranger, first, "accept")
    api_stolen = await platform.post(f"/api/v1/offers/{first}/accept", stranger)
    assert stolen.status_code == api_stolen.status_code >= 400  # not its offer: as the API's guard answers
    assert await status(platform, seller, first) == "open"

    accepted = await press(platform, buyer, first, "accept")
    assert accepted.status_code == 303, accepted.text
    assert await status(platform, buyer, first) == "accepted"
    assert await platform.holdings(buyer) == {(issued["id"], "active"): "100"}
    trade = (await platform.get(f"/api/v1/offers/{first}", buyer)).json()["trade"]
    assert f'href="/trade/confirmations/{trade}"' in (await platform.client.get("/offers")).text
    printed = await platform.client.get(f"/trade/confirmations/{trade}")  # its 成交确认书
    assert printed.status_code == 200 and "¥4,500.00" in printed.text
    await sign_in(platform, stranger.key)
    assert (await platform.client.get(f"/trade/confirmations/{trade}")).status_code == 404
    await sign_in(platform, buyer.key)
    assert (await press(platform, buyer, second, "decline")).status_code == 303
    assert (await press(platform, seller, third, "withdraw")).status_code == 303
    assert [await status(platform, seller, x) for x in (second, third)] == ["declined", "withdrawn"]
    assert await platform.holdings(seller) == {(issued["id"], "active"): "900"}

    shown = {x: f'id="offer-{x}"' for x in (first, second, third)}
    accepted_only = (await platform.client.get("/offers", params={"status": "accepted"})).text
    assert shown[first] in accepted_only and shown[second] not in accepted_only  # filtered by status
    every = (await platform.client.get("/offers", params={"status": ""})).text  # the form's "any"
    assert all(mark in every for mark in shown.values())
    unknown = await platform.client.get("/offers", params={"status": "lost"})
    assert unknown.status_code == 400 and "status" in unknown.text
