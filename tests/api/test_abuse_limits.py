"""Abuse limits, through HTTP: a client over its rate is answered 429 with ``Retry-After`` and served
again once that time has passed (on the platform's clock, moved by the test); a guesser of keys is
stopped after a handful, before any key is looked up; every answer carries the security headers; only
configured origins may call the API from a browser."""

import dataclasses
import datetime as dt
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from httpx import Response
from litestar import Litestar
from litestar.testing import AsyncTestClient

from api.app import create_app
from api.config import Settings
from api.docs import PAGE_POLICY
from api.headers import API_POLICY
from api.rate_limits import UNLIMITED, Buckets, Rate, client_address
from tests.platform import Member, Platform

pytestmark = pytest.mark.anyio

SECOND = dt.timedelta(seconds=1)


@pytest.fixture
async def limited(database_url: str, ledger_key: Path) -> AsyncIterator[Platform]:
    """The platform with the limits it ships with (``Settings``' defaults)."""
    async with Platform.start(database_url, ledger_key, limits=Settings().limits) as running:
        yield running


def _assert_rate_limited(answer: Response, kind: str, retry_after: int) -> None:
    assert answer.status_code == 429, answer.text
    assert answer.headers["content-type"].startswith("application/problem+json")
    assert answer.headers["retry-after"] == str(retry_after)
    problem = answer.json()
    assert problem["type"] == f"https://liangshan.dev/problems/{kind}"
    assert problem["retry_after"] == retry_after


async def test_guessing_keys_is_stopped_after_a_handful_per_address_before_any_lookup(
    limited: Platform,
) -> None:
    member = await limited.onboard("enterprise")
    answers = [
        (await limited.get("/api/v1/me", Member("", f"guess-{n:04d}", "enterprise"))).status_code
        for n in range(40)
    ]
    assert answers == [401] * 10 + [429] * 30  # was: 2,000 guesses, every one a plain 401
    refused = await limited.get("/api/v1/me", member)  # a real key from that address waits too
    _assert_rate_limited(refused, "unknown-keys-rate-limited", 6)
    assert "unknown API keys" in refused.json()["detail"]
    chinese = await limited.client.get("/api/v1/me", headers={**member.auth, "Accept-Language": "zh-CN"})
    assert chinese.json()["title"] == "请求过于频繁"
    assert (await limited.get("/api/v1/ledger/checkpoint")).status_code == 200  # no key: nothing to guess
    limited.clock.now += 6 * SECOND
    assert (await limited.get("/api/v1/me", member)).status_code == 200
    assert (await limited.get("/api/v1/me", Member("", "guess-again", "enterprise"))).status_code == 401
    assert (await limited.get("/api/v1/me", member)).status_code == 429


async def test_a_key_over_its_rate_waits_as_retry_after_says(limited: Platform) -> None:
    member, other = await limited.onboard("enterprise"), await limited.onboard("enterprise")
    per_key = Settings().limits.per_key
    assert per_key is not None
    for _ in range(per_key.count):
        assert (await limited.get("/api/v1/me", member)).status_code == 200
    refused = await limited.get("/api/v1/me", member)
    _assert_rate_limited(refused, "key-rate-limited", 1)  # 600 a minute: one more each 0.1 s
    assert (await limited.get("/api/v1/me", other)).status_code == 200  # another key is not held up
    limited.clock.now += SECOND
    assert (await limited.get("/api/v1/me", member)).status_code == 200


async def test_an_address_over_its_rate_waits_whatever_it_asks(limited: Platform) -> None:
    per_address = Settings().limits.per_address
    assert per_address is not None
    for _ in range(per_address.count):
        assert (await limited.get("/health")).status_code == 200
    _assert_rate_limited(await limited.get("/health"), "address-rate-limited", 1)
    _assert_rate_limited(await limited.get("/schema/openapi.json"), "address-rate-limited", 1)
    limited.clock.now += 30 * SECOND  # half a minute gives half the allowance back
    for _ in range(per_address.count // 2):
        assert (await limited.get("/health")).status_code == 200
    assert (await limited.get("/health")).status_code == 429


async def test_every_operation_documents_its_429_and_when_to_retry(platform: Platform) -> None:
    document = (await platform.get("/schema/openapi.json")).json()
    for path, item in document["paths"].items():
        for method, operation in item.items():
            limited = operation["responses"]["429"]
            assert "application/problem+json" in limited["content"], (method, path)
            assert limited["headers"]["Retry-After"]["schema"]["type"] == "integer", (method, path)


def test_gcra_lets_a_burst_through_then_one_per_interval_and_keeps_clients_apart() -> None:
    buckets = Buckets(Rate(3, 60))
    assert [buckets.take("a", 0.0) for _ in range(4)] == [0, 0, 0, 20.0]
    assert buckets.take("b", 0.0) == 0
    assert buckets.take("a", 19.0) == pytest.approx(1.0)
    assert buckets.take("a", 20.0) == 0
    assert buckets.take("a", 20.0) == pytest.approx(20.0)
    assert buckets.take("a", 100.0) == 0  # idle long enough: the whole burst again
    assert [buckets.take("a", 100.0) for _ in range(2)] == [0, 0]


def test_an_ipv6_client_is_its_slash_64() -> None:
    def address(host: str) -> str:
        scope: Any = {"client": (host, 1)}
        return client_address(scope)

    assert address("2001:db8:1:2:aaaa::1") == address("2001:db8:1:2:bbbb::2") == "2001:db8:1:2::/64"
    assert address("2001:db8:1:3::1") != address("2001:db8:1:2::1")
    assert address("::ffff:10.0.0.7") == "10.0.0.7"
    assert address("127.0.0.1") == "127.0.0.1"


@pytest.mark.parametrize("value", ["600", "0/60", "ten/60", "60/0", "1.5/60"])
def test_a_malformed_limit_stops_the_start(value: str) -> None:
    with pytest.raises(ValueError, match="LIANGSHAN_RATE_PER_KEY"):
        Rate.parse(value, "LIANGSHAN_RATE_PER_KEY")
    assert Rate.parse("off", "LIANGSHAN_RATE_PER_KEY") is None


def _assert_secured(answer: Response, policy: str = API_POLICY) -> None:
    headers = answer.headers
    assert headers["content-security-policy"] == policy
    assert "frame-ancestors 'none'" in policy
    assert headers["x-frame-options"] == "DENY"
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "no-referrer"
    assert "strict-transport-security" not in headers  # plain HTTP unless the operator says otherwise


async def test_every_answer_carries_the_security_headers(platform: Platform) -> None:
    member = await platform.onboard("enterprise")
    _assert_secured(await platform.get("/api/v1/me", member))
    _assert_secured(await platform.get("/api/v1/me"))  # 401
    _assert_secured(await platform.get("/api/v1/parties/nobody", member))  # 404
    _assert_secured(await platform.get("/api/v1/nowhere"))  # no route at all
    _assert_secured(await platform.post("/api/v1/transfers", member, {"quantity": 1.5}))  # 400
    _assert_secured(await platform.get("/api/v1/ledger/checkpoint"))
    _assert_secured(await platform.get("/health"))
    for page in ("/schema", "/schema/swagger", "/schema/openapi.json", "/schema/assets/swagger-ui.css"):
        _assert_secured(await platform.get(page), PAGE_POLICY)
    _assert_secured(await platform.get("/schema/assets/SHA256SUMS"))  # 404 from the docs' router


def _client(database_url: str, ledger_key: Path, **settings: Any) -> AsyncTestClient[Litestar]:
    """The app with ``settings`` beside the worker's database and key, without rate limits."""
    base = Settings(database_url=database_url, ledger_key=ledger_key, limits=UNLIMITED)
    return AsyncTestClient(create_app(dataclasses.replace(base, **settings)))


async def test_hsts_is_sent_when_configured(database_url: str, ledger_key: Path) -> None:
    async with _client(database_url, ledger_key, hsts_max_age=31_536_000) as client:
        answer = await client.get("/health")
    assert answer.headers["strict-transport-security"] == "max-age=31536000"


PREFLIGHT = {
    "Access-Control-Request-Method": "POST",
    "Access-Control-Request-Headers": "authorization, content-type",
}


async def test_no_origin_may_call_from_a_browser_unless_configured(platform: Platform) -> None:
    simple = await platform.client.get(
        "/api/v1/ledger/checkpoint", headers={"Origin": "https://evil.example"}
    )
    assert simple.status_code == 200
    assert "access-control-allow-origin" not in simple.headers
    preflight = await platform.client.options(
        "/api/v1/transfers", headers={"Origin": "https://evil.example", **PREFLIGHT}
    )
    assert preflight.status_code == 204, preflight.text  # the allowed methods, no CORS grant
    assert "access-control-allow-origin" not in preflight.headers
    for path in ("/health", "/api/v1/me", "/api/v1/ledger/key", "/api/v1/parties/x/cash"):
        answer = await platform.client.options(path)
        assert answer.status_code == 204, (path, answer.text)
        assert "GET" in answer.headers["allow"]
        _assert_secured(answer)


async def test_a_configured_origin_may_call_and_no_other(database_url: str, ledger_key: Path) -> None:
    allowed, other = "https://console.example.cn", "https://console.example.cn.evil.example"
    async with _client(database_url, ledger_key, cors_origins=(allowed,)) as client:
        preflight = await client.options("/api/v1/transfers", headers={"Origin": allowed, **PREFLIGHT})
        assert preflight.status_code == 204
        assert preflight.headers["access-control-allow-origin"] == allowed
        assert {"authorization", "content-type"} <= {
            h.strip().lower() for h in preflight.headers["access-control-allow-headers"].split(",")
        }
        assert "POST" in preflight.headers["access-control-allow-methods"]
        assert "access-control-allow-credentials" not in preflight.headers  # bearer keys, never cookies
        _assert_secured(preflight)
        simple = await client.get("/api/v1/ledger/checkpoint", headers={"Origin": allowed})
        assert simple.headers["access-control-allow-origin"] == allowed
        assert "Retry-After" in simple.headers["access-control-expose-headers"]
        refused = await client.options("/api/v1/transfers", headers={"Origin": other, **PREFLIGHT})
        assert refused.status_code == 400
        assert "access-control-allow-origin" not in refused.headers
        elsewhere = await client.get("/api/v1/ledger/checkpoint", headers={"Origin": other})
        assert "access-control-allow-origin" not in elsewhere.headers


@pytest.mark.parametrize("origins", ["console.example.cn", "https://console.example.cn/", "ftp://x"])
def test_a_malformed_origin_stops_the_start(origins: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LIANGSHAN_CORS_ORIGINS", origins)
    with pytest.raises(ValueError, match="LIANGSHAN_CORS_ORIGINS"):
        Settings.from_env()
