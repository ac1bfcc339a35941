"""Signing in to the console with an API key: a session cookie (HttpOnly, SameSite) in place of the
key, the party's name and role in the header, a CSRF token on every form and checked on every POST,
sign-out, and expiry — all through the API's own edge."""

import re
from pathlib import Path

import pytest
from httpx import Response

from api.config import Settings
from api.console import csrf, sessions
from api.rate_limits import Limits, Rate
from tests.platform import Member, Platform

pytestmark = pytest.mark.anyio


def token_of(page: Response) -> str:
    found = re.search(rf'name="{csrf.FIELD}" value="([^"]+)"', page.text)
    assert found is not None, "the page's form carries a CSRF token"
    return found.group(1)


async def sign_in(platform: Platform, key: str, next_page: str = "/") -> Response:
    form = await platform.client.get("/sign-in")
    return await platform.client.post(
        "/sign-in", data={"key": key, csrf.FIELD: token_of(form), "next": next_page}, follow_redirects=False
    )


async def party_name(platform: Platform, member: Member) -> str:
    name: str = (await platform.get(f"/api/v1/parties/{member.party}", member)).json()["name"]
    return name


async def test_a_good_key_signs_in_with_an_http_only_same_site_cookie(platform: Platform) -> None:
    member = await platform.onboard("enterprise")
    answer = await sign_in(platform, member.key, "/account")
    assert answer.status_code == 303
    assert answer.headers["location"] == "/account"
    cookie = next(c for c in answer.headers.get_list("set-cookie") if c.startswith(sessions.COOKIE + "="))
    assert "HttpOnly" in cookie
    assert "SameSite=lax" in cookie or "SameSite=Lax" in cookie
    assert "Secure" not in cookie  # served over http here; https requests get Secure
    assert member.key not in cookie  # the cookie stands for the key; it is not the key
    page = await platform.client.get("/account")
    assert page.status_code == 200
    assert await party_name(platform, member) in page.text
    assert "企业" in page.text and "管理员" in page.text  # kind and role, in Chinese by default
    assert page.headers["cache-control"] == "no-store"
    home = await platform.client.get("/")
    assert await party_name(platform, member) in home.text
    assert 'href="/account"' in home.text


async def test_a_viewer_is_shown_as_one(platform: Platform) -> None:
    manager = await platform.onboard("enterprise")
    viewer = await platform.add_user(manager, manager.party, "enterprise", role="viewer")
    await sign_in(platform, viewer.key)
    page = await platform.client.get("/account", params={"lang": "en"})
    assert "Viewer (reads only)" in page.text


async def test_a_bad_key_shows_an_error_and_signs_no_one_in(platform: Platform) -> None:
    answer = await sign_in(platform, "lsk_not-a-key")
    assert answer.status_code == 401
    assert "该 API 密钥不存在、已吊销或已过期。" in answer.text
    assert sessions.COOKIE + "=" not in answer.headers.get("set-cookie", "")
    assert (await platform.client.get("/account")).status_code == 401
    assert 'href="/account"' not in (await platform.client.get("/")).text  # not shown to a visitor


async def test_sign_out_ends_the_session_and_clears_the_cookie(platform: Platform) -> None:
    member = await platform.onboard("enterprise")
    await sign_in(platform, member.key)
    page = await platform.client.get("/account")
    kept = platform.client.cookies.get(sessions.COOKIE)
    out = await platform.client.post("/sign-out", data={csrf.FIELD: token_of(page)}, follow_redirects=False)
    assert out.status_code == 303
    assert sessions.COOKIE + '=""' in out.headers["set-cookie"] or "Max-Age=0" in out.headers["set-cookie"]
    assert (await platform.client.get("/account")).status_code == 401
    platform.client.cookies.set(sessions.COOKIE, kept or "")
    replayed = await platform.client.get("/account")
    assert replayed.status_code == 401  # the session is gone on the server, not only the cookie


async def test_a_session_expires_after_idle_time(platform: Platform) -> None:
    member = await platform.onboard("enterprise")
    await sign_in(platform, member.key)
    assert (await platform.client.get("/account")).status_code == 200
    await platform.advance(minutes=31)
    assert (await platform.client.get("/account")).status_code == 401


async def test_a_revoked_key_ends_its_session(platform: Platform) -> None:
    member = await platform.onboard("enterprise")
    name = await party_name(platform, member)
    await sign_in(platform, member.key)
    me = (await platform.get("/api/v1/me", member)).json()
    keys = (await platform.get(f"/api/v1/users/{me['user']}/keys", member)).json()
    revoked = await platform.post(f"/api/v1/users/{me['user']}/keys/{keys[0]['id']}/revoke", member)
    assert revoked.status_code == 200, revoked.text
    assert (await platform.client.get("/account")).status_code == 401
    assert name not in (await platform.client.get("/")).text


async def test_a_post_without_the_csrf_token_is_refused(platform: Platform) -> None:
    member = await platform.onboard("enterprise")
    await platform.client.get("/sign-in")  # the browser has the signed-out token's cookie
    for data in ({"key": member.key}, {"key": member.key, csrf.FIELD: "forged"}):
        answer = await platform.client.post("/sign-in", data=data)
        assert answer.status_code == 403
        assert answer.headers["content-type"].startswith("text/html")
        assert sessions.COOKIE + "=" not in answer.headers.get("set-cookie", "")
    await sign_in(platform, member.key)
    assert (await platform.client.post("/sign-out", data={})).status_code == 403
    assert (await platform.client.get("/account")).status_code == 200  # still signed in


async def test_a_cross_site_post_is_refused_even_with_the_token(platform: Platform) -> None:
    member = await platform.onboard("enterprise")
    form = await platform.client.get("/sign-in")
    answer = await platform.client.post(
        "/sign-in",
        data={"key": member.key, csrf.FIELD: token_of(form)},
        headers={"Sec-Fetch-Site": "cross-site"},
    )
    assert answer.status_code == 403


async def test_signing_in_replaces_the_signed_out_token(platform: Platform) -> None:
    member = await platform.onboard("enterprise")
    before = token_of(await platform.client.get("/sign-in"))
    await sign_in(platform, member.key)
    after = token_of(await platform.client.get("/account"))
    assert after != before
    assert (await platform.client.post("/sign-out", data={csrf.FIELD: before})).status_code == 403


async def test_a_form_must_be_url_encoded(platform: Platform) -> None:
    member = await platform.onboard("enterprise")
    token = token_of(await platform.client.get("/sign-in"))
    as_json = await platform.client.post(
        "/sign-in", content=b'{"key": "x"}', headers={"Content-Type": "application/json"}
    )
    assert as_json.status_code == 403
    multipart = await platform.client.post(
        "/sign-in", data={"key": member.key, csrf.FIELD: token}, files={"file": ("a.txt", b"a")}
    )
    assert multipart.status_code == 403  # the console's forms are URL-encoded
    assert (await platform.client.get("/account")).status_code == 401


@pytest.mark.parametrize("target", ["//evil.example/", "https://evil.example/", "/\\evil.example"])
async def test_sign_in_returns_only_to_a_page_of_the_console(platform: Platform, target: str) -> None:
    member = await platform.onboard("enterprise")
    answer = await sign_in(platform, member.key, target)
    assert answer.headers["location"] == "/"


async def test_guessing_keys_at_the_sign_in_meets_the_apis_limit(database_url: str, ledger_key: Path) -> None:
    async with Platform.start(database_url, ledger_key, limits=Settings().limits) as limited:
        member = await limited.onboard("enterprise")
        answers = [(await sign_in(limited, f"lsk_guess{n:04d}")).status_code for n in range(12)]
        assert answers == [401] * 10 + [429] * 2  # as for keys sent as bearers (test_abuse_limits)
        refused = await sign_in(limited, member.key)
        assert refused.status_code == 429
        assert refused.headers["content-type"].startswith("text/html")
        assert "retry-after" in refused.headers


async def test_a_session_spends_its_keys_rate_limit(database_url: str, ledger_key: Path) -> None:
    limits = Limits(per_address=None, per_key=Rate(5, 60), unknown_keys=None)
    async with Platform.start(database_url, ledger_key, limits=limits) as limited:
        member = await limited.onboard("enterprise")
        await sign_in(limited, member.key)  # the key's first use
        answers = [(await limited.client.get("/account")).status_code for _ in range(5)]
        assert answers == [200] * 4 + [429]  # the key's allowance, spent through the session…
        assert (await limited.get("/api/v1/me", member)).status_code == 429  # … is the key's
        limited.client.cookies.clear()
        assert (await limited.get("/")).status_code == 200  # a visitor's page spends no key
