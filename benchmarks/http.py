"""Orders that trade, through HTTP into a real server process, against the bare endpoint
(``benchmarks.bare``) in alternating rounds: each order checked, held, matched, every fill settled
delivery versus payment and ledgered, beside one INSERT and its commit on the same engine.

The seller rests a sell at 44.00 and the buyer's next order bids 46.00 (both inside the demo band,
45.00 ± 10%), so every buy crosses what is resting and trades. Measured at 16 and 50 clients, on
SQLite and PostgreSQL: the rate, p50 and p99 of both, the ratios, and whether the rate holds as
clients are added (a write path that serialises its work stays flat while latency grows). The number
of trades settled is read back at the end, so a run that measured refusals cannot pass for a fast one.

The load generator shares the machine's two cores with the servers, as it would on a laptop demo."""

import asyncio
import tempfile
from pathlib import Path

import httpx

from benchmarks.bare import BareServer
from benchmarks.ledger import reset
from benchmarks.live import Market, Server, databases, open_market, serving
from benchmarks.load import Load, Request, closed_loop
from benchmarks.rounds import Report, Series, alternate, compare

CLIENTS = (16, 50)
SECONDS = 8.0
# at most this many orders in one measurement: with 3 rounds at two client counts, at most 18_000 sells of
# at most 5 units each are well within the seller's 150_000 units, and the buys within the buyer's cash
ORDERS = 3_000
BARE_REQUESTS = 20_000


class Orders:
    """Request ``n``: a sell at 44.00 when ``n`` is even, else a buy at 46.00 of the same quantity,
    which crosses the sell before it (or rests until the next sell crosses it). Counts the buys."""

    def __init__(self, market: Market) -> None:
        self.market = market
        self.buys = 0

    def __call__(self, n: int) -> Request:
        quantity = str(n // 2 % 5 + 1)
        if n % 2 == 0:
            trader, side, price = self.market.seller, "sell", "44.00"
        else:
            self.buys += 1
            trader, side, price = self.market.buyer, "buy", "46.00"
        body = {"instrument": self.market.instrument, "side": side, "quantity": quantity, "price": price}
        return Request("/api/v1/orders", body, trader.headers)


def bare_request(_: int) -> Request:
    return Request("/bare", {"instrument": "CS-BENCH", "side": "buy", "quantity": "1", "price": "46.00"})


def trades(url: str, instrument: str) -> int:
    """The trades on ``instrument``'s public tape."""
    with httpx.Client(base_url=url, timeout=30) as http:
        count, cursor = 0, None
        while True:
            params = {"limit": 500, **({"cursor": cursor} if cursor else {})}
            answer = http.get(f"/api/v1/market/{instrument}/trades", params=params)
            assert answer.status_code == 200, answer.text
            page = answer.json()
            count += len(page["items"])
            cursor = page["next_cursor"]
            if cursor is None:
                return count


def measure(server: Server, bare: Server, orders: Orders, report: Report, tag: str) -> dict[int, float]:
    """Orders against the bare endpoint at each client count; the orders' median rate per count."""
    rates = {}
    for clients in CLIENTS:

        def order_load(clients: int = clients) -> Load:
            return asyncio.run(closed_loop(server.url, clients, ORDERS, SECONDS, orders, 201))

        def bare_load(clients: int = clients) -> Load:
            return asyncio.run(closed_loop(bare.url, clients, BARE_REQUESTS, SECONDS, bare_request, 201))

        order_loads, bare_loads = alternate(order_load, bare_load)
        subject = Series("orders", "orders/s", order_loads)
        compare(report, subject, Series("bare", "req/s", bare_loads), f"{tag}_{clients}")
        rates[clients] = subject.rate
    return rates


def run(report: Report, postgres_url: str | None) -> None:
    with tempfile.TemporaryDirectory() as folder:
        for name, url in databases(Path(folder), postgres_url, "orders"):
            bare_url = f"sqlite+aiosqlite:///{folder}/bare.db" if name == "sqlite" else url
            asyncio.run(reset(url))
            workdir = Path(folder) / name
            (workdir / "bare").mkdir(parents=True)
            server = Server(url, workdir, LIANGSHAN_MARKET_INTERVAL_S="5")
            with serving(server), serving(BareServer(bare_url, workdir / "bare")) as bare:
                orders = Orders(open_market(server))
                rates = measure(server, bare, orders, report, name)
                settled = trades(server.url, orders.market.instrument)
            low, high = CLIENTS
            report(f"orders_{high}_vs_{low}_clients_{name}", rates[high] / rates[low], "×")
            report(f"orders_buys_sent_{name}", orders.buys, "orders")
            report(f"orders_trades_settled_{name}", settled, "trades")
