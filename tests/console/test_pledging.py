"""A pledge's life in the console beyond registration: the owner asks a bank (consent) and withdraws;
after the loan's default, recorded by the bank, the owner agrees a value and the bank, once the
notice has run, takes the units at it (折价) or sells them by a forced listing. Each is the API's use
case, checked through the API; a refusal is the API's, changing nothing."""

import datetime as dt
from typing import Any

import pytest
from httpx import Response

from market.pricing import CHINA_STANDARD_TIME
from tests.api.test_enforcement import DUE, pledged, until
from tests.console.test_auctions import form_key
from tests.console.test_sign_in import sign_in, token_of
from tests.platform import Member, Platform

pytestmark = pytest.mark.anyio


async def press(platform: Platform, member: Member, action: str, **fields: str) -> Response:
    await sign_in(platform, member.key)
    page = await platform.client.get("/pledges")
    assert f'action="{action}"' in page.text, page.text
    data = {"csrf_token": token_of(page), **fields}
    if action == "/pledges":
        data["form_key"] = form_key(page)
    return await platform.client.post(action, data=data, follow_redirects=False)


async def pledge_of(platform: Platform, member: Member, pledge_id: str) -> dict[str, Any]:
    found: dict[str, Any] = (await platform.get(f"/api/v1/pledges/{pledge_id}", member)).json()
    return found


async def test_an_owner_asks_a_bank_from_the_console_and_withdraws(platform: Platform) -> None:
    owner, bank = await platform.onboard("enterprise"), await platform.onboard("bank")
    issued = await platform.confirmed(owner, "EP", "20.000")
    fields = {
        "issuance": str(issued["id"]),
        "bank": bank.party,
        "quantity": "20.000",
        "loan": "10000.00",
        "loan_term_end": DUE.isoformat(),
        "notice_days": "10",
    }
    late = await press(platform, owner, "/pledges", **{**fields, "loan_term_end": "2020-01-01"})
    api = await platform.post(
        "/api/v1/pledges",
        owner,
        {**fields, "issuance": issued["id"], "notice_days": 10, "loan_term_end": "2020-01-01"},
    )
    assert late.status_code == api.status_code >= 400 and api.json()["field"] in late.text
    asked = await press(platform, owner, "/pledges", **fields)
    assert asked.status_code == 303, asked.text
    pledge = asked.headers["location"].split("done=")[1]
    found = await pledge_of(platform, bank, pledge)
    assert found["status"] == "requested" and found["notice_days"] == 10 and found["bank"] == bank.party

    assert (await press(platform, owner, f"/pledges/{pledge}/withdraw")).status_code == 303
    assert (await pledge_of(platform, owner, pledge))["status"] == "withdrawn"


async def test_a_bank_records_default_and_takes_the_units_at_the_value_the_owner_agreed(
    platform: Platform,
) -> None:
    owner, bank, pledge, _ = await pledged(platform)
    path = f"/pledges/{pledge['id']}"
    early = await press(platform, bank, f"{path}/default", cause="overdue")
    api = await platform.post(f"/api/v1{path}/default", bank, {"cause": "overdue"})
    assert early.status_code == api.status_code == 409  # not yet due: as the API refuses it

    await until(platform, DUE)
    await platform.advance(days=1)
    assert (await press(platform, bank, f"{path}/default", cause="overdue")).status_code == 303
    defaulted = await pledge_of(platform, bank, pledge["id"])
    assert defaulted["default_cause"] == "overdue" and defaulted["enforceable_on"]
    assert (await press(platform, owner, f"{path}/agreed-value", value="12000.00")).status_code == 303
    assert (await pledge_of(platform, owner, pledge["id"]))["agreed_value"] == "12000.00"

    too_soon = await press(platform, bank, f"{path}/enforce", method="valuation")
    assert too_soon.status_code == 409 and defaulted["enforceable_on"] in too_soon.text
    await platform.advance(days=defaulted["notice_days"] + 1)
    assert (await press(platform, bank, f"{path}/enforce", method="valuation")).status_code == 303
    enforced = await pledge_of(platform, bank, pledge["id"])
    assert enforced["status"] == "enforced" and enforced["enforced_value"] == "12000.00"
    assert enforced["surplus"] == "2000.00"  # over the 10,000.00 loan, paid to the owner
    assert "2,000.00" in (await platform.client.get("/pledges")).text


async def test_a_forced_sale_from_the_console_lists_the_pledged_units(platform: Platform) -> None:
    _, bank, pledge, _ = await pledged(platform, early_default_allowed=True)
    path = f"/pledges/{pledge['id']}"
    assert (await press(platform, bank, f"{path}/default", cause="declared")).status_code == 303
    await platform.advance(days=(await pledge_of(platform, bank, pledge["id"]))["notice_days"] + 1)
    ends = (
        (platform.now + dt.timedelta(days=2))
        .astimezone(CHINA_STANDARD_TIME)
        .isoformat(timespec="minutes")[:16]
    )
    bad = await press(
        platform, bank, f"{path}/enforce", method="sale", mode="english", price="-1", ends_at=ends
    )
    assert bad.status_code >= 400 and "price" in bad.text
    sold = await press(
        platform, bank, f"{path}/enforce", method="sale", mode="english", price="400.00", ends_at=ends
    )
    assert sold.status_code == 303 and sold.headers["location"].startswith("/listings/"), sold.text
    listing = (await platform.get(f"/api/v1{sold.headers['location']}")).json()
    assert listing["mode"] == "english" and listing["status"] == "open"
