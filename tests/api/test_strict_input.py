"""Strict, bounded input: what a loose parser once took, or a database engine once choked on, is a
400 problem that names the field, and changes nothing — on SQLite and on PostgreSQL."""

import datetime as dt
from typing import Any

import pytest

from tests.platform import START, Member, Platform, credit_code

pytestmark = pytest.mark.anyio
PROBLEM = "application/problem+json"


async def _transfer_setup(platform: Platform) -> tuple[Member, Member, int]:
    holder, other = await platform.onboard("enterprise"), await platform.onboard("enterprise")
    issued = await platform.confirmed(holder, "CS", "1000")
    return holder, other, issued["id"]


def _refused(response: Any, field: str, status: int = 400) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    assert field in response.json()["field"], response.json()


@pytest.mark.parametrize("issuance", [True, "1", 1.0, 2**31, 2**53 - 1, -1, 0])
async def test_an_integer_is_a_json_integer_within_its_column(platform: Platform, issuance: Any) -> None:
    holder, other, _ = await _transfer_setup(platform)
    before = await platform.fingerprint()
    refused = await platform.post(
        "/api/v1/transfers", holder, {"issuance": issuance, "to": other.party, "quantity": "1"}
    )
    _refused(refused, "issuance")
    assert await platform.fingerprint() == before


@pytest.mark.parametrize("deadline", [1893456000, "2030-01-01T00:00:00", "tomorrow", "2030-01-01"])
async def test_a_deadline_is_an_rfc3339_time_with_its_zone(platform: Platform, deadline: Any) -> None:
    holder, other, issuance = await _transfer_setup(platform)
    before = await platform.fingerprint()
    body = {
        "buyer": other.party,
        "issuance": issuance,
        "quantity": "1",
        "price": "10.00",
        "deadline": deadline,
    }
    _refused(await platform.post("/api/v1/offers", holder, body), "deadline")
    assert await platform.fingerprint() == before


async def test_rfc3339_deadlines_with_a_zone_are_taken(platform: Platform) -> None:
    holder, other, issuance = await _transfer_setup(platform)
    deadline = (dt.datetime.now(dt.UTC) + dt.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%S+08:00")
    body = {
        "buyer": other.party,
        "issuance": issuance,
        "quantity": "1",
        "price": "10.00",
        "deadline": deadline,
    }
    made = await platform.post("/api/v1/offers", holder, body)
    assert made.status_code == 201, made.text


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/listings/a%00b",
        "/api/v1/retirements/RT%00",
        "/api/v1/listings?status=open%00",
        "/api/v1/market/%00/depth",
        "/api/v1/asset-classes/E%00P",
        "/api/v1/listings/%ED%A0%80",  # a lone surrogate, UTF-8 encoded
    ],
)
async def test_nul_and_lone_surrogates_in_paths_and_queries_are_400_even_anonymously(
    platform: Platform, path: str
) -> None:
    refused = await platform.client.get(path)
    assert 400 <= refused.status_code < 500 and refused.status_code != 401, refused.text
    assert refused.headers["content-type"].startswith(PROBLEM)


async def test_nul_in_a_string_field_is_400_and_changes_nothing(platform: Platform) -> None:
    holder = await platform.onboard("enterprise")
    before = await platform.fingerprint()
    attributes = {"project_id": "JX\u0000", "standard": "JX-FCER"}
    refused = await platform.apply(holder, "CS", attributes=attributes)
    _refused(refused, "/attributes/project_id")
    refused = await platform.post(
        f"/api/v1/parties/{holder.party}/users", platform.registrar, {"name": "a\u0000b", "role": "viewer"}
    )
    _refused(refused, "name")
    assert await platform.fingerprint() == before


async def test_strings_are_bounded_by_their_columns(platform: Platform) -> None:
    holder = await platform.onboard("enterprise")
    before = await platform.fingerprint()
    for length in (101, 200):
        refused = await platform.post(
            f"/api/v1/parties/{holder.party}/users",
            platform.registrar,
            {"name": "名" * length, "role": "viewer"},
        )
        _refused(refused, "name")
    assert await platform.fingerprint() == before


@pytest.mark.parametrize("kind", [1, True, "ENTERPRISE", "enterprise ", "ENTERPRISE ", "firm"])
async def test_an_enum_field_takes_only_a_member_value(platform: Platform, kind: Any) -> None:
    before = await platform.fingerprint()
    body = {
        "kind": kind,
        "name": "测试企业",
        "division": "360100",
        "credit_code": credit_code("91", "360100", 999),
    }
    _refused(await platform.post("/api/v1/parties", platform.registrar, body), "kind")
    assert await platform.fingerprint() == before
    body["kind"] = "enterprise"
    taken = await platform.post("/api/v1/parties", platform.registrar, body)
    assert taken.status_code == 201, taken.text
    assert taken.json()["kind"] == "enterprise"


async def _retirement(platform: Platform) -> tuple[str, Member, dict[str, Any]]:
    holder, _, issuance = await _transfer_setup(platform)
    body = {"issuance": issuance, "quantity": "1", "beneficiary": "碳中和", "purpose": "voluntary"}
    return "/api/v1/retirements", holder, body


def _appraisal(issuance: int, method: str) -> dict[str, Any]:
    return {
        "issuance": issuance,
        "appraiser": "江西中磊资产评估有限公司",
        "appraiser_credit_code": credit_code("91", "360100", 777),
        "method": method,
        "value": "45000.00",
        "valued_on": START.date().isoformat(),
        "valid_until": (START.date() + dt.timedelta(days=365)).isoformat(),
    }


async def _valuation(platform: Platform) -> tuple[str, Member, dict[str, Any]]:
    owner, bank = await platform.onboard("enterprise"), await platform.bank()
    issued = await platform.confirmed(owner, "CS", "1000")
    consent = {"bank": bank.party, "issuance": issued["id"], "expires_at": platform.later(days=30)}
    assert (await platform.post(f"/api/v1/parties/{owner.party}/consents", owner, consent)).status_code == 201
    return "/api/v1/valuations", bank, _appraisal(issued["id"], "GEP")


async def _link(platform: Platform) -> tuple[str, Member, dict[str, Any]]:
    a, b = await platform.onboard("enterprise"), await platform.onboard("enterprise")
    return (
        "/api/v1/supervision/links",
        await platform.regulator(),
        {"party_a": a.party, "party_b": b.party, "kind": "controller"},
    )


async def _registered_pledge(platform: Platform) -> tuple[str, Member, Member]:
    """A pledge whose terms let its bank declare a default, with no notice to run."""
    owner, bank = await platform.onboard("enterprise"), await platform.bank()
    issued = await platform.confirmed(owner, "CS", "1000")
    terms = {
        "issuance": issued["id"],
        "bank": bank.party,
        "quantity": "400",
        "loan": "10000.00",
        "loan_term_end": (START.date() + dt.timedelta(days=365)).isoformat(),
        "notice_days": 0,
        "early_default_allowed": True,
    }
    pledge = (await platform.post("/api/v1/pledges", owner, terms)).json()
    assert (
        await platform.post("/api/v1/valuations", bank, _appraisal(issued["id"], "market"))
    ).status_code == 201
    assert (await platform.post(f"/api/v1/pledges/{pledge['id']}/register", bank, {})).status_code == 200
    return f"/api/v1/pledges/{pledge['id']}", owner, bank


async def _default(platform: Platform) -> tuple[str, Member, dict[str, Any]]:
    pledge, _, bank = await _registered_pledge(platform)
    return f"{pledge}/default", bank, {"cause": "declared"}


async def _enforcement(platform: Platform) -> tuple[str, Member, dict[str, Any]]:
    """折价 at the value the owner agreed, the loan's own: no surplus for the bank to pay."""
    pledge, owner, bank = await _registered_pledge(platform)
    assert (await platform.post(f"{pledge}/default", bank, {"cause": "declared"})).status_code == 200
    agreed = await platform.post(f"{pledge}/agreed-value", owner, {"value": "10000.00"})
    assert agreed.status_code == 200, agreed.text
    return f"{pledge}/enforce", bank, {"method": "valuation"}


@pytest.mark.parametrize(
    ("setup", "field"),
    [
        (_retirement, "purpose"),
        (_valuation, "method"),
        (_link, "kind"),
        (_default, "cause"),
        (_enforcement, "method"),
    ],
)
async def test_each_enum_field_takes_only_a_member_value(platform: Platform, setup: Any, field: str) -> None:
    path, member, body = await setup(platform)
    before = await platform.fingerprint()
    for wrong in (body[field].swapcase(), body[field] + " ", 1):
        _refused(await platform.post(path, member, {**body, field: wrong}), field)
    assert await platform.fingerprint() == before
    taken = await platform.post(path, member, body)
    assert taken.status_code in (200, 201), taken.text


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/api/v1/orders", "filled"),
        ("/api/v1/offers", "lapsed"),
        ("/api/v1/listings", "sold"),
        ("/api/v1/applications", "rejected"),
        ("/api/v1/contracts", "ended"),
        ("/api/v1/pledges", "released"),
    ],
)
@pytest.mark.parametrize("wrong", ["FILLED", "Sold", "1", "lapsed "])
async def test_a_status_query_takes_only_a_member_value(
    platform: Platform, path: str, status: str, wrong: str
) -> None:
    holder = await platform.onboard("enterprise")
    _refused(await platform.get(path, holder, status=wrong), "status")
    taken = await platform.get(path, holder, status=status)
    assert taken.status_code == 200, taken.text


@pytest.mark.parametrize("path", ["/api/v1/parties", "/api/v1/transfers"])
async def test_a_deeply_nested_body_is_refused_without_a_trace(platform: Platform, path: str) -> None:
    deep = '{"a":' * 1000 + "1" + "}" * 1000
    for member in (platform.registrar, None):
        headers = {"Content-Type": "application/json", **(member.auth if member else {})}
        refused = await platform.client.post(path, content=deep, headers=headers)
        assert refused.status_code in (400, 401, 403), refused.text
        assert "Traceback" not in refused.text


async def test_a_large_body_is_413_and_a_long_rejected_value_is_not_echoed(platform: Platform) -> None:
    holder = await platform.onboard("enterprise")
    huge = {
        "asset_class": "CS",
        "division": "361028",
        "vintage": 2024,
        "quantity": "x" * 1_000_000,
        "attributes": {},
    }
    too_large = await platform.post("/api/v1/applications", holder, huge)
    assert too_large.status_code == 413, too_large.text
    long_value = "9" * 20_000 + ".5"
    refused = await platform.apply(holder, "CS", quantity=long_value)
    assert 400 <= refused.status_code < 500
    assert len(refused.text) < 2_000, refused.text[:200]


async def test_an_unknown_query_parameter_is_400_naming_it(platform: Platform) -> None:
    refused = await platform.client.get("/api/v1/listings", params={"stauts": "open"})
    _refused(refused, "stauts")


async def test_an_unknown_field_is_400_naming_it(platform: Platform) -> None:
    holder, other, issuance = await _transfer_setup(platform)
    body = {"issuance": issuance, "to": other.party, "quantity": "1", "quantiy": "2"}
    _refused(await platform.post("/api/v1/transfers", holder, body), "quantiy")


async def test_messages_follow_accept_language(platform: Platform) -> None:
    refused = await platform.client.get("/api/v1/me", headers={"Accept-Language": "zh-CN,zh;q=0.9,en;q=0.8"})
    assert refused.status_code == 401
    assert refused.json()["title"] != "Unauthorized"
    assert refused.headers["content-language"] == "zh-CN" and refused.headers["vary"] == "Accept-Language"
    english = await platform.client.get("/api/v1/me", headers={"Accept-Language": "en-GB"})
    assert english.json()["title"] == "Unauthorized"
    assert english.headers["content-language"] == "en"


@pytest.mark.parametrize("number", [2**31, 2**53 - 1, 2**63])
async def test_ids_beyond_32_bits_in_paths_and_queries_are_400_before_any_lookup(
    platform: Platform, number: int
) -> None:
    holder = await platform.onboard("enterprise")
    for path in (
        f"/api/v1/issuances/{number}",
        f"/api/v1/parties/{holder.party}/statement?issuance={number}",
    ):
        refused = await platform.client.get(path, headers=holder.auth)
        assert refused.status_code == 400, refused.text
        assert refused.headers["content-type"].startswith(PROBLEM)


async def test_a_body_is_json_taken_only_where_the_route_reads_one(platform: Platform) -> None:
    holder, other, issuance = await _transfer_setup(platform)
    before = await platform.fingerprint()
    move = f'{{"issuance": {issuance}, "to": "{other.party}", "quantity": "1"}}'
    as_text = await platform.client.post(
        "/api/v1/transfers", content=move, headers={**holder.auth, "Content-Type": "text/plain"}
    )
    assert as_text.status_code == 415, as_text.text
    twice = move.replace("{", f'{{"issuance": {issuance + 1}, ', 1)
    repeated = await platform.client.post(
        "/api/v1/transfers", content=twice, headers={**holder.auth, "Content-Type": "application/json"}
    )
    _refused(repeated, "/")
    empty = await platform.client.post(
        "/api/v1/transfers", headers={**holder.auth, "Content-Type": "application/json"}
    )
    _refused(empty, "/")
    assert empty.json()["errors"][0]["message"] == "a JSON body is required"
    assert await platform.fingerprint() == before


async def test_a_route_without_a_body_refuses_one(platform: Platform) -> None:
    regulator = await platform.regulator()
    refused = await platform.post("/api/v1/expiries", regulator, {"reason": "x"})
    _refused(refused, "/")
    assert refused.json()["type"].endswith("/unexpected-body")


async def test_a_query_parameter_given_twice_is_400(platform: Platform) -> None:
    refused = await platform.client.get("/api/v1/listings?status=open&status=sold")
    _refused(refused, "status")


@pytest.mark.parametrize(
    ("field", "value"), [("side", "BUY"), ("side", "bid"), ("time_in_force", "gtc"), ("self_trade", True)]
)
async def test_order_terms_are_exact_members(platform: Platform, field: str, value: object) -> None:
    holder = await platform.onboard("enterprise")
    before = await platform.fingerprint()
    body = {"instrument": "x", "side": "buy", "quantity": "1", "price": "1.00", field: value}
    _refused(await platform.post("/api/v1/orders", holder, body), field)
    assert await platform.fingerprint() == before


async def test_field_refusals_are_in_chinese_when_asked(platform: Platform) -> None:
    holder, other, _ = await _transfer_setup(platform)
    zh = {**holder.auth, "Accept-Language": "zh-CN"}
    body = {"issuance": "1", "to": other.party, "quantity": 1.5, "extra": 1}
    refused = await platform.client.post("/api/v1/transfers", json=body, headers=zh)
    assert refused.status_code == 400
    messages = {e["field"]: e["message"] for e in refused.json()["errors"]}
    assert messages == {
        "issuance": "应为有效的整数",
        "quantity": '应为十进制字符串，例如 "12.345"，而不是 JSON 数字',
        "extra": "不允许的额外字段",
    }


async def test_a_padded_decimal_string_is_not_a_decimal(platform: Platform) -> None:
    holder, other, issuance = await _transfer_setup(platform)
    before = await platform.fingerprint()
    for padded in (" 1", "1 ", "\t1"):
        body = {"issuance": issuance, "to": other.party, "quantity": padded}
        refused = await platform.post("/api/v1/transfers", holder, body)
        assert refused.status_code == 422 and refused.json()["field"] == "quantity", refused.text
    assert await platform.fingerprint() == before


async def test_a_missing_query_parameter_is_named(platform: Platform) -> None:
    holder = await platform.onboard("enterprise")
    permit = await platform.confirmed(holder, "EP")
    answer = await platform.get(
        f"/api/v1/market/{permit['instrument']}/quote", side="buy", price="389.00"
    )  # no quantity
    assert answer.status_code == 400 and answer.json()["field"] == "quantity", answer.text
    assert answer.json()["errors"][0]["pointer"]
