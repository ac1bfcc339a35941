"""The console's public register through the real app: rights searched by class, division, holder and
identifying number, and one right's page with its status history, for anyone, in Chinese and English;
organisations by name, never a person or a village collective."""

import re
from typing import Any

import pytest

from tests.platform import Member, Platform

pytestmark = pytest.mark.anyio


async def _name(platform: Platform, member: Member) -> str:
    name: str = (await platform.get(f"/api/v1/parties/{member.party}", member)).json()["name"]
    return name


async def _rights(platform: Platform) -> dict[str, Any]:
    """An enterprise's carbon sink and permit, a household's forest right and a collective's wetland."""
    enterprise = await platform.onboard("enterprise")
    household = await platform.onboard("person", "361028")
    collective = await platform.onboard("collective", "361028")
    return {
        "enterprise": enterprise,
        "household": household,
        "names": [await _name(platform, m) for m in (enterprise, household, collective)],
        "sink": await platform.confirmed(enterprise, "CS"),
        "permit": await platform.confirmed(enterprise, "EP", division="360100"),
        "forest": await platform.confirmed(household, "FR"),
        "wetland": await platform.confirmed(collective, "WL"),
    }


def _listed(page: str) -> list[int]:
    return [int(n) for n in re.findall(r'<a href="/register/(\d+)">', page)]


async def test_the_register_lists_rights_with_names_in_chinese_and_english(platform: Platform) -> None:
    rights = await _rights(platform)
    enterprise_name, household_name, collective_name = rights["names"]
    for lang, words in (
        ("zh-CN", ("公开登记簿", "碳汇", "资溪县", "不公开")),
        ("en", ("Public register", "Carbon sink", "资溪县", "Not public")),
    ):
        page = await platform.get("/register", lang=lang)
        assert page.status_code == 200, page.text
        assert f'<html lang="{lang}">' in page.text
        for word in words:
            assert word in page.text
        assert _listed(page.text) == [rights[k]["id"] for k in ("sink", "permit", "forest", "wetland")]
        assert enterprise_name in page.text
        assert household_name not in page.text and collective_name not in page.text
        assert "1,000 tCO2e" in page.text  # the sink's quantity in display units, with its unit
        assert "(UTC+8)" in page.text  # confirmed in China Standard Time
        assert '<label for="division">' in page.text


async def test_filters_narrow_the_register(platform: Platform) -> None:
    rights = await _rights(platform)
    enterprise = rights["enterprise"]
    cases: list[tuple[dict[str, str], list[str]]] = [
        ({"asset_class": "FR"}, ["forest"]),
        ({"division": "360100"}, ["permit"]),
        ({"division": "361000"}, ["sink", "forest", "wetland"]),  # 抚州: its county 资溪 too
        ({"holder": enterprise.party}, ["sink", "permit"]),
        ({"permit_no": rights["permit"]["attributes"]["permit_no"]}, ["permit"]),
        ({"project_id": rights["sink"]["attributes"]["project_id"]}, ["sink"]),
        ({"unit_no": rights["forest"]["attributes"]["unit_no"]}, ["forest"]),
        ({"asset_class": "CS", "division": "360100"}, []),
    ]
    for filters, expected in cases:
        page = await platform.get("/register", **filters)
        assert page.status_code == 200, (filters, page.text)
        assert _listed(page.text) == [rights[k]["id"] for k in expected], filters
    household = await platform.get("/register", asset_class="FR")
    assert "不公开" in household.text
    nobody = await platform.get("/register", holder=rights["household"].party)
    assert _listed(nobody.text) == []  # no one learns a household's rights by its id


async def test_a_plain_form_sends_its_empty_fields_and_htmx_gets_the_content(platform: Platform) -> None:
    rights = await _rights(platform)
    empty = {
        "asset_class": "",
        "division": "",
        "holder": "",
        "permit_no": "",
        "unit_no": "",
        "project_id": "",
    }
    page = await platform.get("/register", **{**empty, "asset_class": "WL"})
    assert page.status_code == 200, page.text
    assert _listed(page.text) == [rights["wetland"]["id"]]
    assert '<option value="WL" selected>' in page.text
    part = await platform.client.get("/register", params=empty, headers={"HX-Request": "true"})
    assert "<html" not in part.text and 'hx-get="/register"' in part.text
    bad = await platform.get("/register", division="36")
    assert bad.status_code == 400
    assert bad.headers["content-type"].startswith("text/html")


async def test_the_register_pages_through_its_rights(platform: Platform) -> None:
    enterprise = await platform.onboard("enterprise")
    ids = [(await platform.confirmed(enterprise, "CS"))["id"] for _ in range(21)]
    first = await platform.get("/register", asset_class="CS")
    assert _listed(first.text) == ids[:20]
    following = re.search(r'<a href="/register(\?[^"]+)" hx-get', first.text)  # the next page's link
    assert following is not None
    second = await platform.client.get("/register" + following.group(1).replace("&amp;", "&"))
    assert _listed(second.text) == ids[20:]
    assert '" hx-get="/register?' not in second.text


async def test_a_rights_page_shows_its_facts_and_public_history(platform: Platform) -> None:
    rights = await _rights(platform)
    enterprise_name, household_name, _ = rights["names"]
    sink = rights["sink"]
    for lang, words in (
        ("zh-CN", ("碳汇", "状态记录", "有效")),
        ("en", ("Carbon sink", "Status history", "In force")),
    ):
        page = await platform.get(f"/register/{sink['id']}", lang=lang)
        assert page.status_code == 200, page.text
        for word in (*words, "资溪县", "1,000 tCO2e", enterprise_name, sink["serial"], "(UTC+8)"):
            assert word in page.text, word
        assert "issuance.confirmed" in page.text
        assert re.search(r'href="/ledger/entry\?seq=\d+"', page.text)
    forest = await platform.get(f"/register/{rights['forest']['id']}")
    assert forest.status_code == 200
    assert household_name not in forest.text
    assert rights["forest"]["attributes"]["unit_no"] in forest.text


async def test_an_unknown_right_is_the_404_page(platform: Platform) -> None:
    page = await platform.get("/register/999999")
    assert page.status_code == 404
    assert page.headers["content-type"].startswith("text/html")
    assert '<html lang="zh-CN">' in page.text
    assert (await platform.get("/register/0")).status_code == 400


async def test_the_register_is_in_the_navigation_and_on_the_home_page(platform: Platform) -> None:
    page = await platform.get("/")
    assert page.text.count('href="/register"') == 2


async def test_a_retirement_joins_the_history_and_ends_the_right(platform: Platform) -> None:
    enterprise = await platform.onboard("enterprise")
    sink = await platform.confirmed(enterprise, "CS")
    assert (await platform.retire_all(enterprise, sink)).status_code == 201
    page = await platform.get(f"/register/{sink['id']}", lang="en")
    assert re.findall(r"<code>(issuance\.confirmed|units\.retired)</code>", page.text) == [
        "issuance.confirmed",
        "units.retired",
    ]
    assert "Ended (term over" in page.text
    assert "南昌" not in page.text  # the beneficiary is not in the public entry
