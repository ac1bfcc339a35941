"""Listings (挂牌) and auctions (竞价) in the console: a right's units listed from the holdings page, an
English auction registered for and bid on from the listing's page until it closes with its winner
named, a fixed price bought whole by a button, and the seller's cancel — each through the API's use
case, checked through the API; refusals as the API's, changing nothing."""

import datetime as dt
import re
from typing import Any

import pytest
from httpx import Response

from market.pricing import CHINA_STANDARD_TIME
from tests.console.test_sign_in import party_name, sign_in, token_of
from tests.platform import Member, Platform

pytestmark = pytest.mark.anyio


def form_key(page: Response) -> str:
    found = re.search(r'name="form_key" value="([^"]+)"', page.text)
    assert found is not None
    return found.group(1)


def in_an_hour(platform: Platform) -> str:
    """What a seller types in the ``datetime-local`` field: an hour on, in China Standard Time."""
    local = (platform.now + dt.timedelta(hours=1)).astimezone(CHINA_STANDARD_TIME)
    return local.replace(tzinfo=None).isoformat(timespec="minutes")


async def list_from_holdings(platform: Platform, seller: Member, **fields: str) -> Response:
    await sign_in(platform, seller.key)
    page = await platform.client.get("/holdings")
    assert 'action="/listings"' in page.text, page.text
    form = {"csrf_token": token_of(page), "form_key": form_key(page), "ends_at": in_an_hour(platform)}
    return await platform.client.post("/listings", data={**form, **fields}, follow_redirects=False)


async def press(platform: Platform, member: Member, listing: str, action: str, **fields: str) -> Response:
    """``member`` opens the listing's page and sends its ``action`` form."""
    await sign_in(platform, member.key)
    page = await platform.client.get(f"/listings/{listing}")
    assert page.status_code == 200, page.text
    data = {"csrf_token": token_of(page), **fields}
    return await platform.client.post(f"/listings/{listing}/{action}", data=data, follow_redirects=False)


async def state(platform: Platform, listing: str) -> dict[str, Any]:
    found: dict[str, Any] = (await platform.get(f"/api/v1/listings/{listing}")).json()
    return found


async def test_an_english_auction_is_listed_bid_on_and_won_in_the_console(platform: Platform) -> None:
    seller = await platform.onboard("collective", "361028")
    issued = await platform.confirmed(seller, "CS", "1000")
    first, second = await platform.onboard("enterprise"), await platform.onboard("enterprise")
    for bidder in (first, second):
        await platform.deposit(bidder, "100000.00")
    auction = {
        "issuance": str(issued["id"]),
        "quantity": "100",
        "mode": "english",
        "price": "40.00",
        "increment": "1.00",
        "deposit": "500.00",
    }
    bad = await list_from_holdings(platform, seller, **{**auction, "deposit": "lots"})
    api_body = {**auction, "items": [{"issuance": issued["id"], "quantity": "100"}], "deposit": "lots"}
    api_body.update(ends_at=platform.later(hours=1))
    del api_body["issuance"], api_body["quantity"]
    api = await platform.post("/api/v1/listings", seller, api_body)
    assert bad.status_code == api.status_code >= 400 and "deposit" in bad.text  # as the API refuses it
    assert await platform.holdings(seller) == {(issued["id"], "active"): "1000"}  # nothing reserved
    made = await list_from_holdings(platform, seller, **auction)
    assert made.status_code == 303, made.text
    listing = made.headers["location"].removeprefix("/listings/")
    assert (await state(platform, listing))["mode"] == "english"
    assert await platform.holdings(seller) == {
        (issued["id"], "active"): "900",
        (issued["id"], "reserved"): "100",
    }

    page = await platform.client.get(made.headers["location"])
    assert "¥40.00" in page.text and 'action="/listings/' + listing + '/cancel"' in page.text  # no bids yet
    early = await press(platform, first, listing, "bids", price="41.00")
    assert early.status_code == 409 and "listing" in early.text  # registered first, as the API says
    assert (await press(platform, first, listing, "register")).status_code == 303
    cash = (await platform.get(f"/api/v1/parties/{first.party}/cash", first)).json()
    assert cash["reserved"] == "500.00"  # the deposit (保证金)
    assert (await press(platform, first, listing, "bids", price="41.00")).status_code == 303
    assert (await press(platform, second, listing, "register")).status_code == 303
    assert (await press(platform, second, listing, "bids", price="42.00")).status_code == 303

    await sign_in(platform, first.key)
    mine = await platform.client.get(f"/listings/{listing}", params={"lang": "en"})
    assert "Outbid" in mine.text and "¥42.00" in mine.text  # its own bid, and the high bid
    waiting = (await platform.client.get("/inbox")).text  # it may bid again: the inbox says where
    assert "Auctions where you were outbid" in waiting and f'href="/listings/{listing}"' in waiting
    await sign_in(platform, second.key)
    assert "Auctions where you were outbid" not in (await platform.client.get("/inbox")).text
    await sign_in(platform, seller.key)
    own = await platform.client.get(f"/listings/{listing}")
    assert f'action="/listings/{listing}/cancel"' not in own.text  # it has bids

    ends = dt.datetime.fromisoformat((await state(platform, listing))["ends_at"])
    await platform.advance(seconds=(ends - platform.now).total_seconds())
    closed = await state(platform, listing)
    assert closed["status"] == "sold" and [r["party"] for r in closed["results"]] == [second.party]
    await platform.client.post("/sign-out", data={"csrf_token": token_of(own)})
    public = await platform.client.get(f"/listings/{listing}")
    assert await party_name(platform, second) in public.text and "/bids" not in public.text


async def test_a_fixed_price_is_bought_whole_and_an_unbid_listing_cancelled(platform: Platform) -> None:
    seller = await platform.onboard("collective", "361028")
    issued = await platform.confirmed(seller, "CS", "1000")
    buyer = await platform.onboard("enterprise")
    await platform.deposit(buyer, "100000.00")
    fixed = {"issuance": str(issued["id"]), "quantity": "10", "mode": "fixed", "price": "50.00"}
    listing = (await list_from_holdings(platform, seller, **fixed)).headers["location"].split("/")[-1]
    other = (await list_from_holdings(platform, seller, **fixed)).headers["location"].split("/")[-1]
    assert listing != other  # two forms, two listings

    await sign_in(platform, buyer.key)
    page = await platform.client.get(f"/listings/{listing}")
    assert (
        f'action="/listings/{listing}/buy"' in page.text and f"/listings/{listing}/register" not in page.text
    )
    bought = await press(platform, buyer, listing, "buy")
    assert bought.status_code == 303, bought.text
    sold = await state(platform, listing)
    assert sold["status"] == "sold"
    assert await platform.holdings(buyer) == {(issued["id"], "active"): "10"}
    trade = sold["results"][0]["trade"]
    confirmation = f"/trade/confirmations/{trade}"
    assert f'href="{confirmation}"' in (await platform.client.get(f"/listings/{listing}")).text
    printed = await platform.client.get(confirmation)  # the buyer's 成交确认书 of a listing's trade
    assert printed.status_code == 200 and "¥500.00" in printed.text and trade in printed.text
    again = await press(platform, buyer, other, "cancel")
    api = await platform.post(f"/api/v1/listings/{other}/cancel", buyer)
    assert again.status_code == api.status_code >= 400  # not its listing: as the API's guard answers
    assert (await state(platform, other))["status"] == "open"

    cancelled = await press(platform, seller, other, "cancel")
    assert cancelled.status_code == 303, cancelled.text
    assert (await state(platform, other))["status"] == "cancelled"
    assert await platform.holdings(seller) == {(issued["id"], "active"): "990"}
    market = await platform.client.get("/market")
    assert f'href="/listings/{listing}"' not in market.text  # only open listings are on the market page
