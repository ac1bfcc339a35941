"""The operator's (两山银行) workplace in the console: a buy-out offered by the operator's form and
signed by the depositor's button settles delivery versus payment; the bought right shows in the
inventory by county, city and province, and a package of it is listed — each through the API's use
case, checked through the API."""

import datetime as dt
import re

import pytest
from httpx import Response

from market.pricing import CHINA_STANDARD_TIME
from tests.console.test_sign_in import sign_in, token_of
from tests.platform import START, Member, Platform

pytestmark = pytest.mark.anyio
TODAY = START.date()


async def test_an_operator_buys_out_a_right_and_lists_it_as_a_package(platform: Platform) -> None:
    household, operator = (
        await platform.onboard("person", "360982"),
        await platform.onboard("operator", "361028"),
    )
    forest = await platform.confirmed(household, "FR")
    await platform.deposit(operator, "500000.00")
    await sign_in(platform, operator.key)
    page = await platform.client.get("/contracts")
    offer = {
        "csrf_token": token_of(page),
        "depositor": household.party,
        "issuance": str(forest["id"]),
        "quantity": forest["quantity"],
        "mode": "buyout",
        "term_start": TODAY.isoformat(),
        "term_end": (TODAY + dt.timedelta(days=60)).isoformat(),
        "price": "180000.00",
    }
    bad = await platform.client.post(
        "/contracts", data={**offer, "form_key": "k1", "price": "lots"}, follow_redirects=False
    )
    api_body = {**offer, "issuance": forest["id"], "price": "lots"}
    del api_body["csrf_token"]
    api = await platform.post("/api/v1/contracts", operator, api_body)
    assert bad.status_code == api.status_code >= 400 and "price" in bad.text  # as the API refuses it
    assert (await platform.get("/api/v1/contracts", operator)).json() == []
    key = re.search(r'name="form_key" value="([^"]+)"', page.text)
    assert key is not None
    offer["form_key"] = key.group(1)
    offered = await platform.client.post("/contracts", data=offer, follow_redirects=False)
    again = await platform.client.post("/contracts", data=offer, follow_redirects=False)  # a double click
    assert offered.status_code == again.status_code == 303, offered.text
    assert len((await platform.get("/api/v1/contracts", operator)).json()) == 1
    contract = offered.headers["location"].split("done=")[1]
    await sign_in(platform, household.key)
    mine = await platform.client.get("/contracts")
    assert f'action="/contracts/{contract}/sign"' in mine.text and "¥180,000.00" in mine.text
    signed = await platform.client.post(
        f"/contracts/{contract}/sign", data={"csrf_token": token_of(mine)}, follow_redirects=False
    )
    assert signed.status_code == 303, signed.text
    assert await platform.holdings(operator) == {(forest["id"], "active"): forest["quantity"]}
    await sign_in(platform, operator.key)
    stock = await platform.client.get("/inventory")
    assert stock.status_code == 200, stock.text
    assert "资溪县" in stock.text or "361028" in stock.text
    chart = stock.text.split('aria-label="各设区市市值"')[1].split("</svg>")[0]
    assert "抚州市" in chart  # 资溪县's city, its bar in the chart drawn on the server
    assert f'name="pick-{forest["id"]}"' in stock.text and "¥180,000.00" in stock.text  # its cost
    key = re.search(r'name="form_key" value="([^"]+)"', stock.text)
    assert key is not None
    package = {
        "csrf_token": token_of(stock),
        "form_key": key.group(1),
        f"pick-{forest['id']}": "on",
        f"quantity-{forest['id']}": forest["quantity"],
        "mode": "fixed",
        "price": "200000.00",
        "ends_at": (dt.datetime.combine(TODAY, dt.time(10)) + dt.timedelta(days=7)).isoformat(
            timespec="minutes"
        ),
    }
    listed = await platform.client.post("/inventory/packages", data=package, follow_redirects=False)
    assert listed.status_code == 303, listed.text
    listing = re.search(r"listed=([^&]+)", listed.headers["location"])
    assert listing is not None
    found = (await platform.get(f"/api/v1/listings/{listing.group(1)}")).json()
    assert (found["status"], found["mode"], found["price"]) == ("open", "fixed", "200000.00")
    assert found["ends_at"].endswith("+08:00") or found["ends_at"].endswith("Z")
    assert await platform.holdings(operator) == {(forest["id"], "reserved"): forest["quantity"]}


async def lease_offered(platform: Platform) -> tuple[Member, Member, Response]:
    """A household's forest right (林权) and an operator's lease of it offered through the API, unsigned."""
    household, operator = (
        await platform.onboard("person", "360982"),
        await platform.onboard("operator", "361028"),
    )
    forest = await platform.confirmed(household, "FR")
    body = {
        "depositor": household.party,
        "issuance": forest["id"],
        "quantity": forest["quantity"],
        "mode": "lease",
        "term_start": TODAY.isoformat(),
        "term_end": (TODAY + dt.timedelta(days=400)).isoformat(),
        "annual_rent": "1000.00",
    }
    offered = await platform.post("/api/v1/contracts", operator, body)
    assert offered.status_code == 201, offered.text
    return household, operator, offered


async def test_a_depositor_may_not_offer_and_an_operator_may_not_sign_for_its_depositor(
    platform: Platform,
) -> None:
    household, operator, offered = await lease_offered(platform)
    await sign_in(platform, operator.key)
    page = await platform.client.get("/contracts")
    assert f'/contracts/{offered.json()["id"]}/sign"' not in page.text  # it waits for its depositor
    refused = await platform.client.post(
        f"/contracts/{offered.json()['id']}/sign", data={"csrf_token": token_of(page)}, follow_redirects=False
    )
    assert refused.status_code == 403
    await sign_in(platform, household.key)
    assert (await platform.client.get("/inventory")).status_code == 403
    assert 'method="post" action="/contracts"' not in (await platform.client.get("/contracts")).text


async def test_an_operator_lists_units_under_its_mandate_for_the_depositor(platform: Platform) -> None:
    household, operator = (
        await platform.onboard("person", "360982"),
        await platform.onboard("operator", "361028"),
    )
    forest = await platform.confirmed(household, "FR")
    body = {
        "depositor": household.party,
        "issuance": forest["id"],
        "quantity": "156.35",
        "term_start": TODAY.isoformat(),
        "term_end": (TODAY + dt.timedelta(days=60)).isoformat(),
        "mode": "cooperation",
        "floor_price": "1000.00",
    }
    offered = await platform.post("/api/v1/contracts", operator, body)
    assert (
        await platform.post(f"/api/v1/contracts/{offered.json()['id']}/sign", household)
    ).status_code == 200
    action = f"/contracts/{offered.json()['id']}/sell"
    await sign_in(platform, operator.key)
    page = await platform.client.get("/contracts")
    assert f'action="{action}"' in page.text and "¥1,000.00" in page.text  # the floor shown
    ends = (
        (platform.now + dt.timedelta(days=1))
        .astimezone(CHINA_STANDARD_TIME)
        .isoformat(timespec="minutes")[:16]
    )
    terms = {"csrf_token": token_of(page), "mode": "sealed", "ends_at": ends}
    cheap = await platform.client.post(action, data={**terms, "price": "900.00"}, follow_redirects=False)
    assert cheap.status_code == 422 and "price" in cheap.text  # below the floor, as the API refuses it
    listed = await platform.client.post(action, data={**terms, "price": "1000.00"}, follow_redirects=False)
    assert listed.status_code == 303 and listed.headers["location"].startswith("/listings/"), listed.text
    listing = (await platform.get(f"/api/v1{listed.headers['location']}")).json()
    assert listing["seller"] == household.party and listing["mode"] == "sealed"


async def test_a_leases_yearly_rent_shows_under_the_contract_for_both_parties(platform: Platform) -> None:
    household, operator, offered = await lease_offered(platform)
    contract = offered.json()["id"]
    assert (await platform.post(f"/api/v1/contracts/{contract}/sign", household)).status_code == 200
    await platform.deposit(operator, "5000.00")
    await platform.advance(days=366)  # the first contract year is over: the scheduler pays its rent
    assert (await platform.get("/api/v1/contracts", operator)).json()[0]["years_paid"] == 1
    for member in (operator, household):
        await sign_in(platform, member.key)
        card = (await platform.client.get("/contracts")).text.split(f'id="contract-{contract}"')[1]
        payments = card.split("</article>")[0]
        assert "合同项下收付款" in payments and "¥1,000.00" in payments and "/ledger/entry?seq=" in payments
