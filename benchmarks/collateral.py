"""Collateral verification under load: 50 concurrent bank clients on loopback, each asking for a
signed attestation (the answer, the checkpoint, every entry about the right with its inclusion
proof), against a real server process on SQLite. Measured in alternating rounds beside the bare
endpoint (``benchmarks.bare``): a fresh question every time, read, proved and signed anew (DESIGN's
target: ≥ 500 attestations/s, p99 < 100 ms), and the same question repeated, served from memory while
the right is unchanged (p99 < 50 ms).

The right carries a valuation and a registered pledge to the asking bank (which is what lets the bank
ask), so the answer and its evidence are those of a typical piece of collateral. Each measurement is
bounded in count and in time."""

import asyncio
import datetime as dt
import itertools
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

from benchmarks.bare import BareServer
from benchmarks.http import bare_request
from benchmarks.ledger import reset
from benchmarks.live import Market, Server, open_market, serving
from benchmarks.load import Load, Request, closed_loop
from benchmarks.rounds import Report, Series, alternate, compare

CLIENTS = 50
SECONDS = 8.0
REQUESTS = 20_000
FRESH_REQUESTS = 5_000  # their serial ranges stay within the 100_000 units pledged, over every round
BARE_REQUESTS = 20_000


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


def run(report: Report) -> None:
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite+aiosqlite:///{folder}/collateral.db"
        asyncio.run(reset(url))
        (Path(folder) / "bare").mkdir()
        bare_server = BareServer(f"sqlite+aiosqlite:///{folder}/bare.db", Path(folder) / "bare")
        with serving(Server(url, Path(folder))) as server, serving(bare_server) as bare:
            market = open_market(server)
            _collateral(server, market)
            question = {"issuance": market.issuance, "owner_credit_code": market.seller_credit_code}
            asked = itertools.count()

            def load(count: int, body: Callable[[], dict[str, Any]]) -> Load:
                def request(_: int) -> Request:
                    return Request("/api/v1/collateral/verify", body(), market.bank.headers)

                return asyncio.run(closed_loop(server.url, CLIENTS, count, SECONDS, request, 200))

            fresh, repeated, bare_loads = alternate(
                # a serial range never asked before each time: every answer read, proved and signed afresh
                lambda: load(
                    FRESH_REQUESTS, lambda: {**question, "serials": {"first": 1, "last": next(asked) + 1}}
                ),
                # the same question again and again: answered from memory while the right is unchanged
                lambda: load(REQUESTS, lambda: question),
                lambda: asyncio.run(
                    closed_loop(bare.url, CLIENTS, BARE_REQUESTS, SECONDS, bare_request, 201)
                ),
            )
    tag = f"sqlite_{CLIENTS}"
    compare(
        report,
        Series("fresh", "attestations/s", fresh),
        Series("bare", "req/s", bare_loads),
        tag,
        "collateral_",
    )
    again = Series("repeated", "attestations/s", repeated)
    report(f"collateral_repeated_{tag}", again.rate, again.unit)
    for percent in (50, 99):
        report(f"collateral_repeated_p{percent}_{tag}", again.percentile_ms(percent), "ms")
