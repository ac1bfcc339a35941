"""What waits on a user, counted in the header and listed at /inbox: a contract offered to sign, a
pledge request for a bank, another regulator's proposal, applications to confirm — each gone once
done, and only for those who may act on it."""

import re

import pytest

from tests.api.test_enforcement import DUE
from tests.console.test_operations import lease_offered
from tests.console.test_sign_in import sign_in, token_of
from tests.platform import Platform

pytestmark = pytest.mark.anyio


def _count(page: str) -> int:
    found = re.search(r'<a href="/inbox" class="inbox">[^<]*<span class="count">(\d+)</span>', page)
    return int(found.group(1)) if found else 0


async def test_a_contract_to_sign_waits_for_its_depositor_until_signed(platform: Platform) -> None:
    household, operator, offered = await lease_offered(platform)
    await sign_in(platform, household.key)
    home = await platform.client.get("/")
    assert _count(home.text) == 1
    listed = await platform.client.get("/inbox")
    assert "待签收储合同" in listed.text and 'href="/contracts"' in listed.text
    page = await platform.client.get("/contracts")
    signed = await platform.client.post(
        f"/contracts/{offered.json()['id']}/sign", data={"csrf_token": token_of(page)}, follow_redirects=False
    )
    assert signed.status_code == 303, signed.text
    assert _count((await platform.client.get("/")).text) == 0
    assert "暂无待办事项" in (await platform.client.get("/inbox")).text
    await sign_in(platform, operator.key)  # the operator waits on no one's signature of its own
    assert _count((await platform.client.get("/")).text) == 0


async def test_regulators_and_banks_see_what_waits_on_them(platform: Platform) -> None:
    owner, bank = await platform.onboard("enterprise"), await platform.onboard("bank")
    issued = await platform.confirmed(owner, "EP", "20.000")
    assert (await platform.apply(owner, "CS")).status_code == 201
    body = {
        "issuance": issued["id"],
        "bank": bank.party,
        "quantity": "20.000",
        "loan": "10000.00",
        "loan_term_end": DUE.isoformat(),
    }
    assert (await platform.post("/api/v1/pledges", owner, body)).status_code == 201
    await sign_in(platform, bank.key)
    assert _count((await platform.client.get("/")).text) == 1
    assert "待办质押登记" in (await platform.client.get("/inbox")).text
    await sign_in(platform, (await platform.regulator()).key)
    waiting = await platform.client.get("/inbox")
    assert "确权审核" in waiting.text and _count(waiting.text) >= 1
    await sign_in(platform, owner.key)  # the enterprise waits on nothing here
    assert _count((await platform.client.get("/")).text) == 0
    assert (await platform.client.get("/inbox")).status_code == 200
    platform.client.cookies.clear()
    assert (await platform.client.get("/inbox")).status_code == 401
