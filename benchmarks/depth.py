"""Market depth against ``GET /me``, 50 clients, alternating rounds, on SQLite and PostgreSQL.

The book is in memory, so its depth can cost no more than the cheapest authenticated read: ``/me``
(who the key belongs to) is that reference, asked with the buyer's key; depth is public and asked
without one, as a market-data screen asks. The book holds ten price levels a side, so that the
answer is one a screen would draw."""

import asyncio
import tempfile
from pathlib import Path

import httpx

from benchmarks.ledger import reset
from benchmarks.live import Market, Server, databases, open_market, serving
from benchmarks.load import Load, Request, closed_loop
from benchmarks.rounds import Report, Series, alternate, compare

CLIENTS = 50
SECONDS = 8.0
REQUESTS = 40_000
LEVELS = 10


def fill_book(server: Server, market: Market) -> None:
    """``LEVELS`` resting levels a side, no two crossing: asks from 46.00 up, bids from 44.00 down."""
    with httpx.Client(base_url=server.url, timeout=30) as http:
        for level in range(LEVELS):
            for trader, side, price in (
                (market.seller, "sell", 46 + level / 4),
                (market.buyer, "buy", 44 - level / 4),
            ):
                body = {
                    "instrument": market.instrument,
                    "side": side,
                    "quantity": "10",
                    "price": f"{price:.2f}",
                }
                answer = http.post("/api/v1/orders", json=body, headers=trader.headers)
                assert answer.status_code == 201, answer.text


def measure(server: Server, market: Market) -> tuple[list[Load], list[Load]]:
    """Depth and ``/me`` in alternating rounds: each one's loads."""
    depth = Request(f"/api/v1/market/{market.instrument}/depth")
    me = Request("/api/v1/me", headers=market.buyer.headers)

    def load(request: Request) -> Load:
        return asyncio.run(closed_loop(server.url, CLIENTS, REQUESTS, SECONDS, lambda _: request, 200))

    depths, mes = alternate(lambda: load(depth), lambda: load(me))
    return depths, mes


def run(report: Report, postgres_url: str | None) -> None:
    with tempfile.TemporaryDirectory() as folder:
        for name, url in databases(Path(folder), postgres_url, "depth"):
            asyncio.run(reset(url))
            workdir = Path(folder) / name
            workdir.mkdir()
            with serving(Server(url, workdir)) as server:
                market = open_market(server)
                fill_book(server, market)
                depths, mes = measure(server, market)
            compare(report, Series("depth", "req/s", depths), Series("me", "req/s", mes), f"{name}_{CLIENTS}")
