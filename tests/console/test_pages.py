"""The console's public pages through the real app: the home page and the ledger explorer in
Chinese (the default) and English, with the registry's own figures and names beside ids; htmx gets
the content alone; errors are pages with the API's statuses."""

import re
from collections.abc import Sequence
from urllib.parse import parse_qs

import pytest
from sqlalchemy import Row, text
from sqlalchemy.ext.asyncio import AsyncSession

from tests.platform import QUANTITY, Platform

pytestmark = pytest.mark.anyio


async def _confirmed_right(platform: Platform) -> tuple[str, int]:
    """A carbon sink confirmed for an enterprise: the name its party has, and its ledger entry."""
    holder = await platform.onboard("enterprise")
    await platform.confirmed(holder, "CS")
    async with platform.core.database.reads() as session:
        seq = max(s for s, kind in await _kinds(session) if kind == "issuance.confirmed")
    party = (await platform.get(f"/api/v1/parties/{holder.party}", holder)).json()
    return party["name"], seq


async def _kinds(session: AsyncSession) -> Sequence[Row[tuple[int, str]]]:
    return (await session.execute(text("SELECT seq, kind FROM ledger_entries"))).all()


async def test_the_home_page_shows_totals_by_class_in_chinese_by_default(platform: Platform) -> None:
    await _confirmed_right(platform)
    page = await platform.get("/")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert '<html lang="zh-CN">' in page.text
    assert page.headers["content-language"] == "zh-CN"
    for name in ("排污权", "林权", "湿地", "碳汇"):
        assert name in page.text
    assert "按资产类别汇总" in page.text
    row = re.search(r"碳汇.*?</tr>", page.text, re.S)
    assert row is not None
    assert "1,000" in row.group(0)  # the confirmed carbon sink's 1000 tCO2e, grouped as the locale does
    assert "账本最新检查点" in page.text
    assert "最新确权、注销与到期" in page.text
    assert "确权登记" in page.text  # the confirmation, a public entry, in words


async def test_english_by_a_switch_kept_in_a_cookie(platform: Platform) -> None:
    page = await platform.get("/", lang="en")
    assert '<html lang="en">' in page.text
    assert "Totals by asset class" in page.text
    assert "ls_lang=en" in page.headers["set-cookie"]
    again = await platform.client.get("/ledger")  # the client keeps the cookie
    assert '<html lang="en">' in again.text
    assert "Ledger explorer" in again.text
    back = await platform.get("/ledger", lang="zh-CN")
    assert "账本浏览" in back.text


async def test_the_language_switch_keeps_the_page_and_its_query(platform: Platform) -> None:
    page = await platform.get("/register", asset_class="CS", division="")
    switch = re.search(r'<a href="/register\?([^"]+)" lang="en">', page.text)
    assert switch is not None
    kept = parse_qs(switch.group(1).replace("&amp;", "&"), keep_blank_values=True)
    assert kept == {"asset_class": ["CS"], "division": [""], "lang": ["en"]}


async def test_a_language_that_is_not_offered_is_refused(platform: Platform) -> None:
    answer = await platform.get("/", lang="fr")
    assert answer.status_code == 400
    assert answer.headers["content-type"].startswith("text/html")


async def test_the_ledger_explorer_shows_the_checkpoint_and_recent_public_entries(platform: Platform) -> None:
    _, seq = await _confirmed_right(platform)
    size = int((await platform.get("/api/v1/ledger/checkpoint")).text.split("\n")[1])
    page = await platform.get("/ledger")
    assert page.status_code == 200
    assert f'<dd class="size">{size:,}</dd>' in page.text
    assert "平台签名" in page.text
    assert f'href="/ledger/entry?seq={seq}"' in page.text
    assert "liangshan ledger verify ledger-export --key" in page.text
    key = (await platform.get("/api/v1/ledger/key")).text
    assert key in page.text


async def test_an_entry_shows_names_beside_ids_and_its_leaf_hash(platform: Platform) -> None:
    name, seq = await _confirmed_right(platform)
    for lang, kind_word in (("zh-CN", "种类"), ("en", "Kind")):
        page = await platform.get("/ledger/entry", seq=seq, lang=lang)
        assert page.status_code == 200, page.text
        assert kind_word in page.text
        assert "issuance.confirmed" in page.text
        assert ("确权登记" if lang == "zh-CN" else "Right confirmed (确权)") in page.text
        assert name in page.text  # the holder, an enterprise, by name
        assert "资溪县" in page.text  # division 361028 by name
        assert 'id="proof-panel"' in page.text
        assert f'data-seq="{seq}"' in page.text


async def test_an_entry_the_public_may_not_read_is_a_404_page(platform: Platform) -> None:
    await platform.onboard("enterprise")  # party.onboarded: not a public kind
    page = await platform.get("/ledger/entry", seq=0)
    assert page.status_code == 404
    assert page.headers["content-type"].startswith("text/html")
    assert "公众" in page.text or "public" in page.text
    beyond = await platform.get("/ledger/entry", seq=10_000)
    assert beyond.status_code == 400


async def test_htmx_gets_the_content_alone(platform: Platform) -> None:
    _, seq = await _confirmed_right(platform)
    whole = await platform.client.get("/ledger/entry", params={"seq": seq})
    part = await platform.client.get("/ledger/entry", params={"seq": seq}, headers={"HX-Request": "true"})
    assert "<html" in whole.text
    assert "<html" not in part.text
    assert 'id="proof-panel"' in part.text
    assert "<title>" in part.text  # htmx sets the document's title from it


async def test_an_unknown_query_parameter_is_refused_as_on_the_api(platform: Platform) -> None:
    answer = await platform.get("/", utm_source="x")
    assert answer.status_code == 400
    assert answer.headers["content-type"].startswith("text/html")
    assert "utm_source" in answer.text


async def test_the_console_is_not_in_the_openapi_document(platform: Platform) -> None:
    paths = (await platform.get("/schema/openapi.json")).json()["paths"]
    assert not [path for path in paths if not path.startswith("/api/") and path != "/health"]


async def test_a_page_that_needs_a_key_offers_the_sign_in(platform: Platform) -> None:
    page = await platform.get("/account")
    assert page.status_code == 401
    assert "登录后可查看此页面。" in page.text
    assert "/sign-in?next=%2Faccount" in page.text or "/sign-in?next=/account" in page.text


async def test_the_verification_script_is_served_with_the_pages_scripts(platform: Platform) -> None:
    page = await platform.get("/")
    scripts = re.findall(r"<script([^>]*)>", page.text)
    assert scripts, "the page loads its scripts"
    for attributes in scripts:
        source = re.search(r'src="([^"]+)"', attributes)
        assert source is not None, f"an inline script: {attributes}"
        asset = await platform.get(source.group(1))
        assert asset.status_code == 200, source.group(1)
    assert QUANTITY  # the templates this module builds on
