"""Collateral verification under load: 50 concurrent bank clients on loopback, each asking for a
signed attestation (the answer, the checkpoint, every entry about the right with its inclusion
proof), against a real server process on SQLite — DESIGN's target is p99 < 50 ms there. Measured
twice: the same question repeated (served from memory while the right is unchanged), and a fresh
question every time (read, proved and signed anew).

The right carries a valuation and a registered pledge, so the answer and its evidence are those of
a typical piece of collateral. The load generator is bounded in count and in time."""

import asyncio
import datetime as dt
import itertools
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import httpx

from benchmarks.ledger import reset
from benchmarks.live import Market, Server, open_market

CLIENTS = 50
REQUESTS = 5_000
FRESH_REQUESTS = 500
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


@dataclass(frozen=True, slots=True)
class Load:
    count: int
    elapsed: float
    latencies: list[float]

    def report(self, report: Callable[[str, float, str], None], name: str) -> None:
        cuts = statistics.quantiles(self.latencies, n=100)
        report(name, self.count / self.elapsed, "attestations/s")
        report(f"{name}_latency_p50", cuts[49] * 1000, "ms")
        report(f"{name}_latency_p99", cuts[98] * 1000, "ms")


async def _load(url: str, market: Market, bodies: Iterator[dict[str, Any]], count: int) -> Load:
    """``CLIENTS`` clients on keep-alive connections, each sending its next question as soon as it has
    its answer. aiohttp, not httpx: at this rate httpx's connection pool spends more time than the
    server and its queueing lands in the tail."""
    numbers = itertools.count()
    latencies: list[float] = []
    deadline = time.monotonic() + SECONDS
    headers = market.bank.headers

    async def ask(http: aiohttp.ClientSession) -> None:
        asked = http.post(f"{url}/api/v1/collateral/verify", json=next(bodies), headers=headers)
        async with asked as answer:
            assert answer.status == 200, await answer.text()
            await answer.read()

    async def client(http: aiohttp.ClientSession) -> None:
        while next(numbers) < count and time.monotonic() < deadline:
            started = time.perf_counter()
            await ask(http)
            latencies.append(time.perf_counter() - started)

    connector = aiohttp.TCPConnector(limit=CLIENTS)
    async with aiohttp.ClientSession(connector=connector) as http:
        # warm-up, not timed: each client opens its connection and asks once
        await asyncio.gather(*(ask(http) for _ in range(CLIENTS)))
        started = time.perf_counter()
        await asyncio.gather(*(client(http) for _ in range(CLIENTS)))
        return Load(len(latencies), time.perf_counter() - started, latencies)


def run(report: Callable[[str, float, str], None]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite+aiosqlite:///{folder}/collateral.db"
        asyncio.run(reset(url))
        server = Server(url, Path(folder))
        server.start()
        try:
            market = open_market(server)
            _collateral(server, market)
            question = {"issuance": market.issuance, "owner_credit_code": market.seller_credit_code}
            # the same question again and again: answered from memory while the right is unchanged
            repeated = asyncio.run(_load(server.url, market, itertools.repeat(question), REQUESTS))
            # a different serial range each time: every answer read, proved and signed afresh
            ranges = ({**question, "serials": {"first": 1, "last": n}} for n in itertools.count(1))
            fresh = asyncio.run(_load(server.url, market, ranges, FRESH_REQUESTS))
        finally:
            server.stop()
    repeated.report(report, "collateral_verify_sqlite")
    fresh.report(report, "collateral_verify_fresh_sqlite")
