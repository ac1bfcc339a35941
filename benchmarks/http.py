"""End to end: orders through HTTP into a real server process on loopback — each one checked, held,
matched, every fill settled delivery versus payment and ledgered — from a load generator that is
bounded in count and in time. Half the orders cross the spread, so about a third of them trade.

The load generator shares the machine's two cores with the server, as it would on a laptop demo."""

import asyncio
import itertools
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import httpx

from benchmarks.ledger import reset
from benchmarks.live import Market, Server, open_market

CLIENTS = 8
ORDERS = 2_000
SECONDS = 60.0


async def _load(url: str, market: Market) -> tuple[int, float, list[float]]:
    numbers = itertools.count()
    latencies: list[float] = []
    deadline = time.monotonic() + SECONDS

    async def client() -> None:
        async with httpx.AsyncClient(base_url=url, timeout=30) as http:
            while (n := next(numbers)) < ORDERS and time.monotonic() < deadline:
                trader, side = (market.seller, "sell") if n % 2 else (market.buyer, "buy")
                price = f"{40 + n % 4}.00"  # sells and buys meet over four price levels
                body = {
                    "instrument": market.instrument,
                    "side": side,
                    "quantity": str(n % 9 + 1),
                    "price": price,
                }
                started = time.perf_counter()
                answer = await http.post("/api/v1/orders", json=body, headers=trader.headers)
                latencies.append(time.perf_counter() - started)
                assert answer.status_code == 201, answer.text

    started = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(CLIENTS)))
    return len(latencies), time.perf_counter() - started, latencies


def _trades(url: str, instrument: str) -> int:
    with httpx.Client(base_url=url) as http:
        count, cursor = 0, None
        while True:
            params = {"limit": 500, **({"cursor": cursor} if cursor else {})}
            page = http.get(f"/api/v1/market/{instrument}/trades", params=params).json()
            count += len(page["items"])
            cursor = page["next_cursor"]
            if cursor is None:
                return count


def run(report: Callable[[str, float, str], None], postgres_url: str | None) -> None:
    with tempfile.TemporaryDirectory() as folder:
        targets = [("sqlite", f"sqlite+aiosqlite:///{folder}/http.db")]
        if postgres_url:
            targets.append(("postgres", postgres_url))
        for name, url in targets:
            asyncio.run(reset(url))
            workdir = Path(folder) / name
            workdir.mkdir()
            server = Server(url, workdir, LIANGSHAN_MARKET_INTERVAL_S="5")
            server.start()
            try:
                market = open_market(server)
                count, elapsed, latencies = asyncio.run(_load(server.url, market))
                trades = _trades(server.url, market.instrument)
            finally:
                server.stop()
            cuts = statistics.quantiles(latencies, n=100)
            report(f"http_orders_{name}", count / elapsed, "orders/s")
            report(f"http_order_latency_p50_{name}", cuts[49] * 1000, "ms")
            report(f"http_order_latency_p99_{name}", cuts[98] * 1000, "ms")
            report(f"http_trades_settled_{name}", trades, "trades")
