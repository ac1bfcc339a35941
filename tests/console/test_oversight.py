"""The regulator's view of the parties in the console: the parties listed with those frozen marked; a
party's page with its holdings, cash and live freezes; freezing units or the party proposed there (a
second regulator approves), a freeze released and a party unfreezed there; the ledger audit. Each is
the API's use case, checked through the API; the API's own list of freezes too."""

import re

import pytest
from httpx import Response

from tests.console.test_auctions import form_key
from tests.console.test_sign_in import sign_in, token_of
from tests.platform import Member, Platform, credit_code

pytestmark = pytest.mark.anyio


async def press(platform: Platform, member: Member, page: str, action: str, **fields: str) -> Response:
    await sign_in(platform, member.key)
    shown = await platform.client.get(page)
    assert f'action="{action}"' in shown.text, shown.text
    data = {"csrf_token": token_of(shown), **fields}
    return await platform.client.post(action, data=data, follow_redirects=False)


async def approve(platform: Platform, answer: Response) -> None:
    assert answer.status_code == 303, answer.text
    proposal = answer.headers["location"].split("done=")[1]
    approved = await platform.post(f"/api/v1/proposals/{proposal}/approve", await platform.colleague())
    assert approved.status_code in (200, 201), approved.text


async def test_a_regulator_freezes_units_from_a_party_page_and_releases_them(platform: Platform) -> None:
    holder = await platform.onboard("enterprise")
    issued = await platform.confirmed(holder, "EP")
    regulator = await platform.regulator()
    await sign_in(platform, regulator.key)
    listed = await platform.client.get("/parties")
    assert listed.status_code == 200 and f'href="/parties/{holder.party}"' in listed.text
    page = f"/parties/{holder.party}"
    shown = await platform.client.get(page)
    assert "96.000" in shown.text and str(issued["id"]) in shown.text  # its holding
    (user,) = (await platform.get(f"/api/v1/parties/{holder.party}/users", regulator)).json()
    assert user["name"] in shown.text and user["keys"][0]["prefix"] in shown.text  # its users

    fields = {"issuance": str(issued["id"]), "quantity": "10.000", "reason": "环保督察：超标排放"}
    too_many = await press(platform, regulator, page, f"{page}/freezes", **{**fields, "quantity": "1000.000"})
    assert too_many.status_code >= 400 and "quantity" in too_many.text
    await approve(platform, await press(platform, regulator, page, f"{page}/freezes", **fields))
    (freeze,) = (await platform.get("/api/v1/freezes", regulator, owner=holder.party, status="live")).json()[
        "items"
    ]
    assert freeze["quantity"] == "10.000" and freeze["reason"] == fields["reason"]
    assert await platform.holdings(holder) == {
        (issued["id"], "active"): "86.000",
        (issued["id"], "frozen"): "10.000",
    }

    elsewhere = f"/parties/{regulator.party}/freezes/{freeze['id']}/release"  # under another party's page
    token = token_of(await platform.client.get(page))
    assert (await platform.client.post(elsewhere, data={"csrf_token": token})).status_code == 404
    release = f"{page}/freezes/{freeze['id']}/release"
    assert (await press(platform, regulator, page, release)).status_code == 303
    assert (await platform.get("/api/v1/freezes", regulator, status="live")).json()["items"] == []
    released = (await platform.get("/api/v1/freezes", regulator, status="released")).json()["items"]
    assert [x["id"] for x in released] == [freeze["id"]] and released[0]["released_at"]
    assert await platform.holdings(holder) == {(issued["id"], "active"): "96.000"}


async def test_a_party_frozen_whole_is_marked_and_unfrozen_from_its_page(platform: Platform) -> None:
    holder = await platform.onboard("enterprise")
    regulator = await platform.regulator()
    page = f"/parties/{holder.party}"
    await approve(platform, await press(platform, regulator, page, f"{page}/freeze", reason="涉嫌操纵市场"))
    assert "冻结于" in (await platform.client.get("/parties")).text
    refused = await platform.post(
        "/api/v1/transfers", holder, {"issuance": 1, "to": regulator.party, "quantity": "1"}
    )
    assert refused.status_code == 403  # frozen: it may only read

    blank = await press(platform, regulator, page, f"{page}/unfreeze", reason=" ")
    assert blank.status_code == 422 and "reason" in blank.text  # as the API: a blank reason
    assert (await press(platform, regulator, page, f"{page}/unfreeze", reason="调查结束")).status_code == 303
    assert "冻结于" not in (await platform.client.get(page)).text


async def test_the_audit_page_verifies_the_ledger_and_only_supervisors_see_these_pages(
    platform: Platform,
) -> None:
    holder = await platform.onboard("enterprise")
    await platform.confirmed(holder, "CS")
    await sign_in(platform, (await platform.regulator()).key)
    audit = await platform.client.get("/audit")
    assert audit.status_code == 200 and 'hx-get="/audit/report"' in audit.text  # run as the page loads
    report = await platform.client.get("/audit/report", headers={"HX-Request": "true"})
    assert "<html" not in report.text and "账本核验通过" in report.text and "无差异" in report.text
    await sign_in(platform, holder.key)
    for path in ("/parties", f"/parties/{holder.party}", "/audit", "/audit/report"):
        assert (await platform.client.get(path)).status_code in (403, 404)
    assert (await platform.get("/api/v1/freezes", holder)).status_code == 403
    assert len((await platform.get(f"/api/v1/parties/{holder.party}/users", holder)).json()) == 1  # its own
    stranger = await platform.onboard("enterprise")
    assert (await platform.get(f"/api/v1/parties/{holder.party}/users", stranger)).status_code == 404


async def test_the_api_refuses_a_freeze_status_it_does_not_know(platform: Platform) -> None:
    answer = await platform.get("/api/v1/freezes", await platform.regulator(), status="frozen")
    assert answer.status_code == 400 and answer.json()["field"] == "status"


async def test_the_registrar_onboards_a_party_and_adds_its_first_manager(platform: Platform) -> None:
    await sign_in(platform, platform.registrar.key)
    page = await platform.client.get("/parties")
    form = {
        "csrf_token": token_of(page),
        "form_key": form_key(page),
        "kind": "enterprise",
        "division": "361028",
    }
    code = credit_code("91", "361028", 777)
    bad = await platform.client.post(
        "/parties", data={**form, "name": "资溪县竹木加工有限公司", "credit_code": code[:-1] + "0"}
    )
    api = await platform.post(
        "/api/v1/parties",
        platform.registrar,
        {"kind": "enterprise", "name": "x", "division": "361028", "credit_code": code[:-1] + "0"},
    )
    assert (
        bad.status_code == api.status_code >= 400 and api.json()["field"] in bad.text
    )  # a wrong check digit
    second = await platform.client.post(
        "/parties", data={**form, "kind": "registrar", "name": "另一登记机构", "credit_code": code}
    )
    api = await platform.post(
        "/api/v1/parties",
        platform.registrar,
        {"kind": "registrar", "name": "x", "division": "361028", "credit_code": code},
    )
    assert second.status_code == api.status_code == 409  # the registrar is made once, never onboarded
    made = await platform.client.post(
        "/parties",
        data={**form, "name": "资溪县竹木加工有限公司", "credit_code": code},
        follow_redirects=False,
    )
    assert made.status_code == 303, made.text
    party = made.headers["location"].split("?")[0].rsplit("/", 1)[1]
    shown = await platform.client.get(made.headers["location"])
    assert "资溪县竹木加工有限公司" in shown.text and f'action="/parties/{party}/users"' in shown.text

    first = {"csrf_token": token_of(shown), "form_key": form_key(shown), "name": "张经理", "role": "manager"}
    added = await platform.client.post(f"/parties/{party}/users", data=first)
    key = re.search(r'<code class="secret">([^<]+)</code>', added.text)
    assert added.status_code == 200 and key is not None, added.text
    me = await platform.client.get("/api/v1/me", headers={"Authorization": f"Bearer {key.group(1)}"})
    assert me.json()["party"]["id"] == party and me.json()["role"] == "manager"


async def test_a_banks_first_manager_is_proposed_once(platform: Platform) -> None:
    code = credit_code("91", "360100", 778)
    made = await platform.post(
        "/api/v1/parties",
        platform.registrar,
        {"kind": "bank", "name": "九江银行股份有限公司", "division": "360100", "credit_code": code},
    )
    bank = made.json()["id"]
    await sign_in(platform, platform.registrar.key)
    page = await platform.client.get(f"/parties/{bank}")
    first = {"csrf_token": token_of(page), "form_key": form_key(page), "name": "赵经理", "role": "manager"}
    proposed = await platform.client.post(f"/parties/{bank}/users", data=first)
    assert proposed.status_code == 200 and "四眼原则" in proposed.text  # a bank's user takes four eyes
    again = await platform.client.get(f"/parties/{bank}")
    assert f'action="/parties/{bank}/users"' not in again.text and "等待另一位人员批准" in again.text


async def test_the_parties_are_filtered_by_kind_as_the_api_filters_them(platform: Platform) -> None:
    bank, enterprise = await platform.onboard("bank"), await platform.onboard("enterprise")
    await sign_in(platform, (await platform.regulator()).key)
    banks = (await platform.client.get("/parties", params={"kind": "bank"})).text
    assert f'href="/parties/{bank.party}"' in banks and f'href="/parties/{enterprise.party}"' not in banks
    api = (await platform.get("/api/v1/parties", await platform.regulator(), kind="bank")).json()["items"]
    assert bank.party in {p["id"] for p in api} and all(p["kind"] == "bank" for p in api)
    everyone = (await platform.client.get("/parties", params={"kind": ""})).text
    assert f'href="/parties/{enterprise.party}"' in everyone
    unknown = await platform.client.get("/parties", params={"kind": "bandit"})
    assert unknown.status_code == 400 and "kind" in unknown.text
    assert (
        await platform.get("/api/v1/parties", await platform.regulator(), kind="bandit")
    ).status_code == 400
