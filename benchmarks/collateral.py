"""Collateral verification under load: 50 concurrent bank clients on loopback, each asking for a
signed attestation (the answer, the checkpoint, every entry about the right with its inclusion
proof), against a real server process on SQLite — DESIGN's target is p99 < 50 ms there. Measured
twice: the same question repeated (served from memory while the right is unchanged), and a fresh
question every time (read, proved and signed anew).

The right carries a valuation and a registered pledge to the asking bank (which is what lets the bank
ask), so the answer and its evidence are those of a typical piece of collateral. The load generator
is bounded in count and in time."""

import asyncio
import datetime as dt
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

from benchmarks.ledger import reset
from benchmarks.live import Market, Server, open_market
from benchmarks.load import Load, Request, closed_loop

CLIENTS = 50
REQUESTS = 5_000
FRESH_REQUESTS = 500
SECONDS = 60.0


def _collateral(server: Server, market: Market) -> None:
    """The owner's pledge request to the bank (which lets the bank ask about the right), a valuation by
    the bank, and the pledge registered."""
    today = dt.date.today()
    with httpx.Client(base_url=server.url, timeout=30) as http:
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
        registered = http.post(
            f"/api/v1/pledges/{pledge.json()['id']}/register", json={}, headers=market.bank.headers
        )
        assert registered.status_code == 200, registered.text


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

            def load(count: int, body: Callable[[int], dict[str, Any]]) -> Load:
                def request(n: int) -> Request:
                    return "/api/v1/collateral/verify", body(n), market.bank.headers

                return asyncio.run(closed_loop(server.url, CLIENTS, count, SECONDS, request, 200))

            # the same question again and again: answered from memory while the right is unchanged
            repeated = load(REQUESTS, lambda _: question)
            # a different serial range each time: every answer read, proved and signed afresh
            fresh = load(FRESH_REQUESTS, lambda n: {**question, "serials": {"first": 1, "last": n + 1}})
        finally:
            server.stop()
    for name, figures in (("", repeated), ("_fresh", fresh)):
        report(f"collateral_verify{name}_sqlite", figures.rate, "attestations/s")
        report(f"collateral_verify{name}_latency_p50_sqlite", figures.percentile_ms(50), "ms")
        report(f"collateral_verify{name}_latency_p99_sqlite", figures.percentile_ms(99), "ms")
