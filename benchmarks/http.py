"""End to end: orders through HTTP into a real server process on loopback — each one checked, held,
matched, every fill settled delivery versus payment and ledgered — from a load generator that is
bounded in count and in time. Half the orders cross the spread, so about a third of them trade.

The load generator shares the machine's two cores with the server, as it would on a laptop demo."""

import asyncio
import tempfile
from collections.abc import Callable
from pathlib import Path

import httpx

from benchmarks.ledger import reset
from benchmarks.live import Market, Server, open_market
from benchmarks.load import Request, closed_loop

CLIENTS = 8
ORDERS = 2_000
SECONDS = 60.0


def _order(market: Market) -> Callable[[int], Request]:
    def request(n: int) -> Request:
        trader, side = (market.seller, "sell") if n % 2 else (market.buyer, "buy")
        price = f"{44 + n % 4}.00"  # four price levels, inside the demo band (45.00 ± 10%)
        body = {"instrument": market.instrument, "side": side, "quantity": str(n % 9 + 1), "price": price}
        return "/api/v1/orders", body, trader.headers

    return request


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
                load = asyncio.run(closed_loop(server.url, CLIENTS, ORDERS, SECONDS, _order(market), 201))
                trades = _trades(server.url, market.instrument)
            finally:
                server.stop()
            report(f"http_orders_{name}", load.rate, "orders/s")
            report(f"http_order_latency_p50_{name}", load.percentile_ms(50), "ms")
            report(f"http_order_latency_p99_{name}", load.percentile_ms(99), "ms")
            report(f"http_trades_settled_{name}", trades, "trades")
