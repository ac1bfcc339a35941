"""The bank's workplace in the console: a collateral check answered by the API's signed attestation
(shown, and downloaded byte for byte to check offline), refused without the owner's consent as the
API refuses it; a pledge requested by its owner registered by its bank and released on repayment."""

import json
import re
from typing import Any

import pytest

from settlement.attestation import verify
from tests.api.test_consents import code_of, grant
from tests.api.test_enforcement import DUE
from tests.console.test_sign_in import sign_in, token_of
from tests.platform import Member, Platform, appraisal

pytestmark = pytest.mark.anyio


async def _owner_and_bank(platform: Platform) -> tuple[Member, Member, dict[str, Any]]:
    owner, bank = await platform.onboard("enterprise"), await platform.onboard("bank")
    return owner, bank, await platform.confirmed(owner, "EP", "20.000")


async def _valued(platform: Platform, bank: Member, issued: dict[str, Any]) -> None:
    """The bank's appraisal of the right, which it may make once the owner has let it ask."""
    valued = await platform.post("/api/v1/valuations", bank, appraisal(issued["id"], "38900.00"))
    assert valued.status_code == 201, valued.text


async def test_a_bank_checks_collateral_with_consent_and_downloads_the_signed_answer(
    platform: Platform,
) -> None:
    owner, bank, issued = await _owner_and_bank(platform)
    code = await code_of(platform, owner)
    await sign_in(platform, bank.key)
    asked = {"owner": code, "issuance": str(issued["id"])}
    refused = await platform.client.get("/collateral", params=asked)
    api = await platform.post(
        "/api/v1/collateral/verify", bank, {"issuance": issued["id"], "owner_credit_code": code}
    )
    assert refused.status_code == api.status_code == 403  # no consent: the API's refusal, on a page
    await grant(platform, owner, bank, issued["id"])
    await _valued(platform, bank, issued)
    page = await platform.client.get("/collateral", params=asked)
    assert page.status_code == 200, page.text
    assert "¥38,900.00" in page.text and "20.000" in page.text
    assert "liangshan attestation verify" in page.text
    file = await platform.client.get("/collateral/attestation.json", params=asked)
    assert file.status_code == 200 and "attachment" in file.headers["content-disposition"]
    document = json.loads(file.content)
    assert document["attestation"]["answer"]["owner_holds"] is True
    key = (await platform.get("/api/v1/ledger/key")).text.strip()
    verify(document, key)  # the downloaded file checks offline against the platform's key
    for wrong in ("abc", "²"):
        bad = await platform.client.get("/collateral", params={"owner": code, "issuance": wrong})
        assert bad.status_code == 400 and "issuance" in bad.text


async def test_a_right_the_owner_does_not_hold_is_answered_no(platform: Platform) -> None:
    owner, bank, _ = await _owner_and_bank(platform)
    other = await platform.onboard("enterprise")
    theirs = await platform.confirmed(other, "CS")
    await grant(platform, owner, bank)  # all of the owner's rights
    await sign_in(platform, bank.key)
    asked = {"owner": await code_of(platform, owner), "issuance": str(theirs["id"])}
    api = await platform.post(
        "/api/v1/collateral/verify", bank, {"issuance": theirs["id"], "owner_credit_code": asked["owner"]}
    )
    page = await platform.client.get("/collateral", params=asked)
    assert page.status_code == api.status_code, page.text
    if api.status_code == 200:
        assert api.json()["attestation"]["answer"]["owner_holds"] is False
        assert "<strong>否</strong>" in page.text


async def test_a_bank_registers_a_requested_pledge_and_releases_it(platform: Platform) -> None:
    owner, bank, issued = await _owner_and_bank(platform)
    body = {
        "issuance": issued["id"],
        "bank": bank.party,
        "quantity": "20.000",
        "loan": "10000.00",
        "loan_term_end": DUE.isoformat(),
    }
    requested = await platform.post("/api/v1/pledges", owner, body)
    assert requested.status_code == 201, requested.text
    pledge = requested.json()["id"]
    await _valued(platform, bank, issued)
    await sign_in(platform, bank.key)
    assert (await platform.client.get(f"/pledges/{pledge}/notice")).status_code == 409  # not registered yet
    page = await platform.client.get("/pledges")
    assert f'action="/pledges/{pledge}/register"' in page.text and "¥10,000.00" in page.text
    registered = await platform.client.post(
        f"/pledges/{pledge}/register", data={"csrf_token": token_of(page)}, follow_redirects=False
    )
    assert registered.status_code == 303, registered.text
    assert (await platform.get(f"/api/v1/pledges/{pledge}", bank)).json()["status"] == "registered"
    assert await platform.holdings(owner) == {(issued["id"], "pledged"): "20.000"}
    notice = await platform.client.get(f"/pledges/{pledge}/notice")
    assert notice.status_code == 200, notice.text
    seq = re.search(r"/ledger/entry\?seq=(\d+)", notice.text)
    assert seq is not None and "质押登记通知书" in notice.text and "¥10,000.00" in notice.text
    entry = await platform.get(
        "/api/v1/ledger/entries", bank, start=int(seq.group(1)), end=int(seq.group(1)) + 1
    )
    assert '"kind":"units.pledged"' in entry.text and pledge in entry.text
    page = await platform.client.get("/pledges")
    released = await platform.client.post(
        f"/pledges/{pledge}/release", data={"csrf_token": token_of(page)}, follow_redirects=False
    )
    assert released.status_code == 303, released.text
    assert await platform.holdings(owner) == {(issued["id"], "active"): "20.000"}
    await sign_in(platform, owner.key)  # the owner sees its pledge, and may not register it
    mine = await platform.client.get("/pledges")
    assert pledge in mine.text and f'/pledges/{pledge}/register"' not in mine.text
    assert (await platform.client.get(f"/pledges/{pledge}/notice")).status_code == 200  # the owner's too
    await sign_in(platform, (await platform.onboard("bank")).key)
    assert (await platform.client.get(f"/pledges/{pledge}/notice")).status_code == 404  # another bank
    await sign_in(platform, owner.key)
    fresh = await platform.client.get("/pledges")
    other = await platform.client.post(
        f"/pledges/{pledge}/release", data={"csrf_token": token_of(fresh)}, follow_redirects=False
    )
    assert other.status_code == 403, other.text


async def test_a_bank_confirms_a_deposit_and_a_withdrawal_for_a_party_it_serves(platform: Platform) -> None:
    client = await platform.onboard("enterprise")
    bank = await platform.bank()
    await platform.served(client, bank)
    await sign_in(platform, bank.key)
    desk = await platform.client.get("/cash-desk")
    key = re.search(r'name="form_key" value="([^"]+)"', desk.text)
    assert key is not None
    form = {
        "csrf_token": token_of(desk),
        "form_key": key.group(1),
        "direction": "deposit",
        "party": client.party,
        "amount": "5000.00",
        "reference": "BOC-20261130-01",
    }
    done = await platform.client.post("/cash-desk", data=form, follow_redirects=False)
    again = await platform.client.post("/cash-desk", data=form, follow_redirects=False)  # a reload
    assert done.status_code == again.status_code == 303, done.text
    account = (await platform.get(f"/api/v1/parties/{client.party}/cash", client)).json()
    assert account["balance"] == "5000.00"  # once
    out = {**form, "form_key": "w1", "direction": "withdrawal", "amount": "1200.00", "reference": "BOC-W-01"}
    assert (await platform.client.post("/cash-desk", data=out, follow_redirects=False)).status_code == 303
    too_much = {**out, "form_key": "w2", "amount": "999999.00", "reference": "BOC-W-02"}
    api = await platform.post(
        "/api/v1/cash/withdrawals",
        bank,
        {"party": client.party, "amount": "999999.00", "reference": "BOC-W-03"},
    )
    refused = await platform.client.post("/cash-desk", data=too_much, follow_redirects=False)
    assert refused.status_code == api.status_code >= 400
    account = (await platform.get(f"/api/v1/parties/{client.party}/cash", client)).json()
    assert account["balance"] == "3800.00"
