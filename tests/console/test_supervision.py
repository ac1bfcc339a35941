"""The regulator's workplace in the console: the application queue with duplicates beside each
application, confirmed by two regulators above the class's threshold (四眼原则) or rejected with a
reason; proposals decided by another user than their proposer; surveillance cases taken up and
closed with a note — each through the API's own use case, checked through the API."""

import csv
import io
import re
from typing import Any

import pytest

from tests.api.test_supervision import ring
from tests.api.test_surveillance_cases import CASES, scan
from tests.console.test_sign_in import sign_in, token_of
from tests.platform import Member, Platform

pytestmark = pytest.mark.anyio


async def _post(platform: Platform, path: str, **fields: str) -> Any:
    page = await platform.client.get("/account")
    return await platform.client.post(
        path, data={"csrf_token": token_of(page), **fields}, follow_redirects=False
    )


async def _application(
    platform: Platform, member: Member, quantity: str, template: str = "EP"
) -> dict[str, Any]:
    filed = await platform.apply(member, template, quantity)
    assert filed.status_code == 201, filed.text
    found: dict[str, Any] = filed.json()
    return found


async def test_a_big_right_is_confirmed_by_two_regulators_from_the_queue(platform: Platform) -> None:
    holder = await platform.onboard("enterprise")
    application = await _application(platform, holder, "600.000")  # above 500 t/a: four eyes
    first, second = await platform.regulator(), await platform.colleague()
    await sign_in(platform, first.key)
    queue = await platform.client.get("/review")
    assert queue.status_code == 200, queue.text
    assert application["id"] in queue.text and "600" in queue.text
    proposed = await _post(platform, f"/review/{application['id']}/confirm")
    assert proposed.status_code == 303, proposed.text
    assert proposed.headers["location"].startswith("/review?proposed=")
    mine = await platform.client.get("/proposals")
    assert "另一位用户" in mine.text and '/approve"' not in mine.text  # the proposer cannot approve it
    await sign_in(platform, second.key)
    waiting = await platform.client.get("/proposals")
    proposal = re.search(r'action="/proposals/([^/"]+)/approve"', waiting.text)
    assert proposal is not None and "确权" in waiting.text
    approved = await _post(platform, f"/proposals/{proposal.group(1)}/approve")
    assert approved.status_code == 303, approved.text
    done = (await platform.get(f"/api/v1/applications/{application['id']}", second)).json()
    assert done["status"] == "confirmed" and done["issuance"] is not None
    assert application["id"] not in (await platform.client.get("/review")).text


async def test_a_duplicate_is_shown_beside_its_application_and_can_be_rejected(platform: Platform) -> None:
    holder = await platform.onboard("enterprise")
    issued = await platform.confirmed(holder, "CS")
    twin = await platform.apply(holder, "CS", attributes=issued["attributes"])
    assert twin.status_code == 201, twin.text
    await sign_in(platform, (await platform.regulator()).key)
    queue = await platform.client.get("/review", params={"lang": "en"})
    assert "A live right claims the same right" in queue.text
    assert f'href="/register/{issued["id"]}"' in queue.text
    empty = await _post(platform, f"/review/{twin.json()['id']}/reject", reason="")
    assert empty.status_code == 400 and "reason" in empty.text  # the API's own schema refuses it
    rejected = await _post(platform, f"/review/{twin.json()['id']}/reject", reason="重复登记")
    assert rejected.status_code == 303, rejected.text
    found = (
        await platform.get(f"/api/v1/applications/{twin.json()['id']}", await platform.regulator())
    ).json()
    assert (found["status"], found["reason"]) == ("rejected", "重复登记")


async def test_a_case_is_taken_up_and_closed_with_a_note(platform: Platform) -> None:
    await ring(platform)
    assert await scan(platform) >= 1
    await sign_in(platform, (await platform.regulator()).key)
    page = await platform.client.get("/cases", params={"status": "open"})
    case = re.search(r'id="case-(\d+)"', page.text)
    assert case is not None
    number = case.group(1)
    assert (await _post(platform, f"/cases/{number}/acknowledge")).status_code == 303
    note = "已核实，属正常交易。" + "经调取双方交易记录与资金流水，未发现关联。" * 20  # over 200 characters
    closed = await _post(platform, f"/cases/{number}/close", note=note)
    assert closed.status_code == 303, closed.text
    found = (await platform.get(f"{CASES}/{number}", await platform.regulator())).json()
    assert (found["status"], found["note"]) == ("closed", note)
    again = await _post(platform, f"/cases/{number}/close", note="again")
    assert again.status_code == 409  # as the API answers a case not taken up

    alerts = await platform.client.get("/cases.csv")  # the alerts for a spreadsheet, names readable
    assert alerts.status_code == 200 and alerts.content.startswith("\ufeff".encode())
    rows = list(csv.DictReader(io.StringIO(alerts.content.decode("utf-8-sig"))))
    closed_row = next(row for row in rows if row["case"] == number)
    assert closed_row["status"] == "closed" and closed_row["note"] == note and "→" in closed_row["trades"]


async def test_the_regulators_pages_are_theirs_alone(platform: Platform) -> None:
    enterprise = await platform.onboard("enterprise")
    application = await _application(platform, enterprise, "10.000")
    await sign_in(platform, enterprise.key)
    for path in ("/review", "/cases", "/cases.csv"):
        assert (await platform.client.get(path)).status_code == 403
    assert (await _post(platform, f"/review/{application['id']}/confirm")).status_code == 403
    home = await platform.client.get("/")
    assert 'href="/review"' not in home.text and 'href="/cases"' not in home.text
    assert (await platform.get(f"/api/v1/applications/{application['id']}", enterprise)).json()[
        "status"
    ] == "pending"


async def test_an_applicant_follows_its_applications_state(platform: Platform) -> None:
    holder = await platform.onboard("enterprise")
    waiting = await _application(platform, holder, "10.000")
    issued = await platform.confirmed(holder, "CS")
    await sign_in(platform, holder.key)
    page = await platform.client.get("/applications")
    assert page.status_code == 200, page.text
    assert f'id="application-{waiting["id"]}"' in page.text and "待监管审核" in page.text
    assert f'href="/register/{issued["id"]}/certificate"' in page.text and "已确权" in page.text
    await sign_in(platform, (await platform.bank()).key)
    assert (await platform.client.get("/applications")).status_code == 403
