"""Valuations (评估) in the console: a bank, an operator or a supervisor records an appraisal of a
right from the form (once, however often it is sent) and sees the right's valuations, newest first,
as the API reads them; a refusal is the API's, recording nothing; holders may not open the page."""

import pytest

from tests.console.test_auctions import form_key
from tests.console.test_sign_in import sign_in, token_of
from tests.platform import Platform, appraisal

pytestmark = pytest.mark.anyio


async def test_an_operator_records_an_appraisal_and_sees_the_rights_valuations(platform: Platform) -> None:
    holder, operator = await platform.onboard("collective", "361028"), await platform.onboard("operator")
    issued = await platform.confirmed(holder, "CS")
    await sign_in(platform, operator.key)
    page = await platform.client.get("/valuations", params={"issuance": issued["id"]})
    assert page.status_code == 200 and 'action="/valuations"' in page.text
    form = {key: str(value) for key, value in appraisal(issued["id"], "52000.00").items()}
    sent = {"csrf_token": token_of(page), "form_key": form_key(page), **form}

    backwards = await platform.client.post(
        "/valuations", data={**sent, "valid_until": form["valued_on"]}, follow_redirects=False
    )
    api = await platform.post(
        "/api/v1/valuations", operator, {**appraisal(issued["id"]), "valid_until": form["valued_on"]}
    )
    assert backwards.status_code == api.status_code >= 400 and api.json()["field"] in backwards.text
    twice = [await platform.client.post("/valuations", data=sent, follow_redirects=False) for _ in range(2)]
    assert [answer.status_code for answer in twice] == [303, 303], twice[0].text
    assert twice[0].headers["location"] == twice[1].headers["location"]
    made = twice[0].headers["location"].split("done=")[1]

    listed = (await platform.get(f"/api/v1/issuances/{issued['id']}/valuations", operator)).json()
    assert [(x["id"], x["value"]) for x in listed] == [(made, "52000.00")]
    shown = await platform.client.get(twice[0].headers["location"])
    assert made in shown.text and "¥52,000.00" in shown.text

    await sign_in(platform, holder.key)
    assert (await platform.client.get("/valuations")).status_code == 403
