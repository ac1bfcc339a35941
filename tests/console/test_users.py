"""The account page's keys and users: a user issues itself another key, rotates one (the old one
stops after the overlap chosen) and revokes one; a manager adds a user (its key shown once; a bank's
user a proposal another user approves) and disables one — each the API's use case, checked by calling
the API with the keys; a viewer is offered none of the managers' forms, and refused them."""

import re

import pytest
from httpx import Response

from tests.console.test_auctions import form_key
from tests.console.test_sign_in import sign_in, token_of
from tests.platform import Member, Platform

pytestmark = pytest.mark.anyio


def shown_key(page: Response) -> str:
    found = re.search(r'<code class="secret">([^<]+)</code>', page.text)
    assert found is not None, page.text
    return found.group(1)


async def works(platform: Platform, key: str) -> bool:
    answer = await platform.client.get("/api/v1/me", headers={"Authorization": f"Bearer {key}"})
    return answer.status_code == 200


async def send(platform: Platform, action: str, **fields: str) -> Response:
    page = await platform.client.get("/account")
    data = {"csrf_token": token_of(page), "form_key": form_key(page), **fields}
    return await platform.client.post(action, data=data, follow_redirects=False)


async def test_a_user_issues_rotates_and_revokes_its_own_keys(platform: Platform) -> None:
    member = await platform.onboard("enterprise")
    me = (await platform.get("/api/v1/me", member)).json()["user"]
    await sign_in(platform, member.key)
    page = await platform.client.get("/account")
    data = {"csrf_token": token_of(page), "form_key": form_key(page)}
    issued = await platform.client.post(f"/users/{me}/keys", data=data)
    second = shown_key(issued)
    assert await works(platform, second)
    replay = await platform.client.post(f"/users/{me}/keys", data=data)  # the same form sent again
    assert "secret" not in replay.text and "不再显示" in replay.text
    assert len((await platform.get(f"/api/v1/users/{me}/keys", member)).json()) == 2

    (first_id,) = [k["id"] for k in (await platform.get(f"/api/v1/users/{me}/keys", member)).json()][:1]
    rotated = await send(platform, f"/users/{me}/keys/{first_id}/rotate", overlap_s="0")
    third = shown_key(rotated)
    assert not await works(platform, member.key) and await works(platform, third)  # no overlap: at once

    await sign_in(platform, third)
    assert (await platform.client.get("/api/v1/me", headers={"Authorization": f"Bearer {third}"})).json()[
        "user"
    ] == me
    second_id = next(
        k["id"]
        for k in (
            await platform.get(f"/api/v1/users/{me}/keys", Member(member.party, third, "enterprise"))
        ).json()
        if second.startswith(k["prefix"])
    )
    revoked = await send(platform, f"/users/{me}/keys/{second_id}/revoke")
    assert revoked.status_code == 303 and not await works(platform, second)
    too_long = await send(platform, f"/users/{me}/keys/{second_id}/rotate", overlap_s="99999999")
    assert too_long.status_code == 400 and "overlap_s" in too_long.text


async def test_a_manager_adds_a_viewer_and_disables_it_and_a_viewer_may_not(platform: Platform) -> None:
    manager = await platform.onboard("enterprise")
    await sign_in(platform, manager.key)
    added = await send(platform, f"/parties/{manager.party}/users", name="出纳 王芳", role="viewer")
    assert added.status_code == 200, added.text
    viewer_key = shown_key(added)
    me = (await platform.client.get("/api/v1/me", headers={"Authorization": f"Bearer {viewer_key}"})).json()
    user = (await platform.get(f"/api/v1/users/{me['user']}", manager)).json()
    assert (me["role"], user["name"]) == ("viewer", "出纳 王芳")

    await sign_in(platform, viewer_key)
    page = await platform.client.get("/account")
    assert f'action="/parties/{manager.party}/users"' not in page.text and "/disable" not in page.text
    refused = await send(platform, f"/parties/{manager.party}/users", name="x", role="manager")
    assert refused.status_code == 403

    await sign_in(platform, manager.key)
    disabled = await send(platform, f"/users/{me['user']}/disable")
    assert disabled.status_code == 303 and not await works(platform, viewer_key)


async def test_a_banks_new_user_is_a_proposal_whose_key_waits_for_approval(platform: Platform) -> None:
    bank = await platform.bank()
    await sign_in(platform, bank.key)
    proposed = await send(platform, f"/parties/{bank.party}/users", name="信贷员 李强", role="manager")
    assert proposed.status_code == 200 and "四眼原则" in proposed.text
    waiting = shown_key(proposed)
    assert not await works(platform, waiting)  # until another user approves
