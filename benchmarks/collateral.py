"""Collateral verification under load: 50 concurrent bank clients on loopback, each asking for a
signed attestation (the answer, the checkpoint, every entry about the right with its inclusion
proof), against a real server process on SQLite — DESIGN's target is p99 < 50 ms there.

The right carries a valuation and a registered pledge, so the answer and its evidence are those of
a typical piece of collateral. The load generator is bounded in count and in time."""

import asyncio
import datetime as dt
import itertools
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import httpx

from benchmarks.ledger import reset
from benchmarks.live import Market, Server, open_market

CLIENTS = 50
REQUESTS = 2_000
SECONDS = 60.0


def _collateral(server: Server, market: Market) -> None:
    """A valuation by the bank and a pledge to it, registered."""
    today = dt.date.today()
    with httpx.Client(base_url=server.url, timeout=30) as http:
        valued = http.post(
            "/api/v1/valuations",
            json={
                "issuance": market.issuance,
                "appraiser": "江西中磊资产评估有限公司",
                "appraiser_credit_code": market.seller_credit_code,
                "method": "market",
                "value": "40000000.00",
                "valued_on": today.isoformat(),
                "valid_until": (today + dt.timedelta(days=365)).isoformat(),
            },
            headers=market.bank.headers,
        )
        assert valued.status_code == 201, valued.text
        pledge = http.post(
            "/api/v1/pledges",
            json={
                "issuance": market.issuance,
                "bank": market.bank.party,
                "quantity": "100000",
                "loan": "1000000.00",
                "loan_term_end": (today + dt.timedelta(days=300)).isoformat(),
            },
            headers=market.seller.headers,
        )
        assert pledge.status_code == 201, pledge.text
        registered = http.post(
            f"/api/v1/pledges/{pledge.json()['id']}/register", json={}, headers=market.bank.headers
        )
        assert registered.status_code == 200, registered.text


async def _load(url: str, market: Market) -> tuple[int, float, list[float]]:
    numbers = itertools.count()
    latencies: list[float] = []
    deadline = time.monotonic() + SECONDS
    body = {"issuance": market.issuance, "owner_credit_code": market.seller_credit_code}

    async def client(http: httpx.AsyncClient) -> None:
        while next(numbers) < REQUESTS and time.monotonic() < deadline:
            started = time.perf_counter()
            answer = await http.post("/api/v1/collateral/verify", json=body, headers=market.bank.headers)
            latencies.append(time.perf_counter() - started)
            assert answer.status_code == 200, answer.text

    limits = httpx.Limits(max_connections=CLIENTS)
    async with httpx.AsyncClient(base_url=url, timeout=60, limits=limits) as http:
        started = time.perf_counter()
        await asyncio.gather(*(client(http) for _ in range(CLIENTS)))
        return len(latencies), time.perf_counter() - started, latencies


def run(report: Callable[[str, float, str], None]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite+aiosqlite:///{folder}/collateral.db"
        asyncio.run(reset(url))
        server = Server(url, Path(folder))
        server.start()
        try:
            market = open_market(server)
            _collateral(server, market)
            count, elapsed, latencies = asyncio.run(_load(server.url, market))
        finally:
            server.stop()
    cuts = statistics.quantiles(latencies, n=100)
    report("collateral_verify_sqlite", count / elapsed, "attestations/s")
    report("collateral_verify_latency_p50_sqlite", cuts[49] * 1000, "ms")
    report("collateral_verify_latency_p99_sqlite", cuts[98] * 1000, "ms")
