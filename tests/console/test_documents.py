"""Retiring units from the console, and the public retirement certificate (注销证明): printable, with
its ledger entry's inclusion proof and a QR code to its own page — as ``/api/v1/retirements`` serves
it; a refused retirement changes nothing, and a form sent twice retires once."""

import re

import pytest

from tests.console.test_sign_in import sign_in, token_of
from tests.platform import Member, Platform

pytestmark = pytest.mark.anyio


async def _retire_form(platform: Platform, member: Member, issuance: int, quantity: str) -> dict[str, str]:
    await sign_in(platform, member.key)
    page = await platform.client.get("/holdings")
    assert 'action="/holdings/retire"' in page.text, page.text
    key = re.search(r'name="form_key" value="([^"]+)"', page.text)
    assert key is not None
    return {
        "csrf_token": token_of(page),
        "form_key": key.group(1),
        "issuance": str(issuance),
        "quantity": quantity,
        "beneficiary": "南昌市绿色出行活动",
        "purpose": "voluntary",
    }


async def test_units_retired_from_the_console_have_a_public_certificate_with_its_proof(
    platform: Platform,
) -> None:
    holder = await platform.onboard("enterprise")
    issued = await platform.confirmed(holder, "CS", "1000")
    form = await _retire_form(platform, holder, issued["id"], "100")
    retired = await platform.client.post("/holdings/retire", data=form, follow_redirects=False)
    again = await platform.client.post("/holdings/retire", data=form, follow_redirects=False)  # a reload
    assert retired.status_code == again.status_code == 303, retired.text
    assert retired.headers["location"] == again.headers["location"]
    assert (await platform.holdings(holder))[(issued["id"], "active")] == "900"  # retired once
    certificate = retired.headers["location"].rsplit("/", 1)[1]
    platform.client.cookies.clear()  # anyone may read it
    page = await platform.client.get(f"/certificates/{certificate}")
    assert page.status_code == 200, page.text
    api = (await platform.get(f"/api/v1/retirements/{certificate}")).json()
    for shown in ("注销证明", "南昌市绿色出行活动", "自愿", f"/ledger/entry?seq={api['ledger']['seq']}"):
        assert shown in page.text, shown
    assert api["ledger"]["leaf_hash"] in page.text and api["ledger"]["root"] in page.text
    assert all(serial in page.text for serial in api["serials"])
    assert 'src="data:image/svg+xml' in page.text and f"/certificates/{certificate}</a>" in page.text
    assert (await platform.get("/certificates/NO-SUCH-CERT")).status_code == 404


async def test_a_refused_retirement_is_the_apis_refusal_and_retires_nothing(platform: Platform) -> None:
    holder = await platform.onboard("enterprise")
    issued = await platform.confirmed(holder, "CS", "1000")
    form = await _retire_form(platform, holder, issued["id"], "5000")  # more than it holds
    body = {key: form[key] for key in ("quantity", "beneficiary", "purpose")} | {"issuance": issued["id"]}
    api = await platform.post("/api/v1/retirements", holder, body)
    refused = await platform.client.post("/holdings/retire", data=form, follow_redirects=False)
    assert refused.status_code == api.status_code >= 400, refused.text
    assert (await platform.holdings(holder)) == {(issued["id"], "active"): "1000"}


async def test_a_confirmed_right_has_a_public_printable_certificate(platform: Platform) -> None:
    holder = await platform.onboard("enterprise")
    issued = await platform.confirmed(holder, "CS", "1000")
    right = await platform.get(f"/register/{issued['id']}")
    assert f'href="/register/{issued["id"]}/certificate"' in right.text
    page = await platform.get(f"/register/{issued['id']}/certificate")
    assert page.status_code == 200, page.text
    seq = re.search(r"/ledger/entry\?seq=(\d+)", page.text)
    assert seq is not None
    served = await platform.get("/api/v1/ledger/entries", start=int(seq.group(1)), end=int(seq.group(1)) + 1)
    assert '"kind":"issuance.confirmed"' in served.text and f'"issuance":{issued["id"]}' in served.text
    for shown in (
        "确权证明",
        issued["serial"],
        "1,000",
        'src="data:image/svg+xml',
        f"/register/{issued['id']}</a>",
    ):
        assert shown in page.text, shown
    assert (await platform.get("/register/999999/certificate")).status_code == 404
