"""SQL statements per request, counted, not timed: a count does not move with the machine's load,
so a change to the write path shows in it exactly, before and after.

The app runs in this process (Litestar's test client, as the tests run it) on a temporary SQLite file
and on PostgreSQL, with a market opened through the API as ``benchmarks.live`` opens it. Every request
is sent with a real key, so authentication counts. Counted: one resting order, one order that trades
with it, ``GET /depth`` and ``GET /me``, and the bare endpoint's INSERT beside them for scale, each
after one untimed resting and trading pair, so that what is done once per process or per minute (a
key's first use, the books' first load) is not counted; then, per order, a burst of orders sent at
once, as under load, which the sequencer writes in a batch or two (their number is reported too).

Statements are counted by SQLAlchemy's engine events, listened to on the ``Engine`` class, so every
engine the platform opens is counted however many it has: each statement a cursor executes (SAVEPOINTs
included), and each transaction's BEGIN, COMMIT and ROLLBACK as the engine reports them (asyncpg opens
its transactions without a statement SQLAlchemy sees; on SQLite the ``BEGIN IMMEDIATE`` that the begin
event sends is counted once, as the BEGIN). The platform also talks to asyncpg below SQLAlchemy, where
no engine event sees it (the ledger's COPY; bulk paths may add more), so asyncpg's own calls are
counted too, less the transaction control the engine events count and the ``executemany`` that
SQLAlchemy sends down on its own behalf; likewise aiosqlite's connection-level calls. On SQLite every
call into aiosqlite's worker thread is counted as well (``sqlite_thread_calls_*``): each is a hop
between threads, which costs more than many a statement. ``LIANGSHAN_BENCH_SQL=1`` prints the
statements."""

import asyncio
import contextlib
import logging
import os
import re
import sys
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import aiosqlite
import asyncpg  # type: ignore[import-untyped]  # asyncpg ships no type hints
import httpx
from litestar import Litestar
from litestar.testing import TestClient
from sqlalchemy import event
from sqlalchemy.engine import Engine

from api.app import create_app
from api.config import Settings
from api.rate_limits import UNLIMITED
from benchmarks import bare
from benchmarks.ledger import reset
from benchmarks.live import Market, Server, databases, demo_keys, onboard
from benchmarks.rounds import Report

HOUR = 3600.0
BURST = 16  # pairs of orders sent at once
# driver methods that send SQL (or a COPY) of their own, beneath SQLAlchemy: asyncpg's, and aiosqlite's
# connection-level ones (SQLAlchemy itself goes through aiosqlite's cursors, never these)
DRIVER_CALLS: dict[type, tuple[str, ...]] = {
    asyncpg.Connection: (
        "execute",
        "executemany",
        "fetch",
        "fetchrow",
        "fetchval",
        "copy_records_to_table",
        "copy_to_table",
    ),
    aiosqlite.Connection: ("execute", "executemany", "execute_fetchall", "execute_insert", "executescript"),
}
T = TypeVar("T")
TRANSACTION_CONTROL = re.compile(
    r"\s*(BEGIN|COMMIT|ROLLBACK|SAVEPOINT|RELEASE|START TRANSACTION)\b", re.IGNORECASE
)


@dataclass(frozen=True, slots=True)
class Counted:
    statements: int
    thread_calls: int  # SQLite: calls into aiosqlite's worker thread, each a hop between threads


@contextlib.contextmanager
def _wrapped(
    cls: type, names: tuple[str, ...], wrap: Callable[[str, Callable[..., Any]], Callable[..., Any]]
) -> Iterator[None]:
    originals = {name: getattr(cls, name) for name in names}
    for name, call in originals.items():
        setattr(cls, name, wrap(name, call))
    try:
        yield
    finally:
        for name, call in originals.items():
            setattr(cls, name, call)


class Counter:
    """The statements sent, and the SQLite driver's thread calls made, while a request is answered."""

    def __init__(self) -> None:
        self.recording = False
        self.statements: list[str] = []
        self.thread_calls = 0
        self._sent_many = 0  # executemany calls SQLAlchemy has counted and is about to send to asyncpg

    def _note(self, statement: str) -> None:
        if self.recording:
            self.statements.append(statement)

    def _cursor(
        self, conn: Any, _cursor: Any, statement: str, _params: Any, _context: Any, many: bool
    ) -> None:
        if not statement.lstrip().upper().startswith("BEGIN"):  # counted by the begin event
            self._note(statement)
            self._sent_many += many and conn.dialect.driver == "asyncpg"

    def _driver(self, name: str, call: Callable[..., Any]) -> Callable[..., Any]:
        async def counted(connection: Any, *args: Any, **kwargs: Any) -> Any:
            what = str(args[0] if args else next(iter(kwargs.values()), ""))
            if name == "executemany" and self._sent_many and isinstance(connection, asyncpg.Connection):
                self._sent_many -= 1
            elif not TRANSACTION_CONTROL.match(what):
                self._note(f"{name} {what}")
            return await call(connection, *args, **kwargs)

        return counted

    def _hop(self, _name: str, call: Callable[..., Any]) -> Callable[..., Any]:
        async def counted(connection: Any, *args: Any, **kwargs: Any) -> Any:
            self.thread_calls += self.recording
            return await call(connection, *args, **kwargs)

        return counted

    @contextlib.contextmanager
    def listening(self) -> Iterator["Counter"]:
        hooks: list[tuple[str, Callable[..., None]]] = [
            ("before_cursor_execute", self._cursor),
            ("begin", lambda _conn: self._note("BEGIN")),
            ("commit", lambda _conn: self._note("COMMIT")),
            ("rollback", lambda _conn: self._note("ROLLBACK")),
        ]
        for name, hook in hooks:
            event.listen(Engine, name, hook)
        try:
            with contextlib.ExitStack() as stack:
                for cls, names in DRIVER_CALLS.items():
                    stack.enter_context(_wrapped(cls, names, self._driver))
                # aiosqlite's one way into its thread (private, but it has been for years)
                stack.enter_context(_wrapped(aiosqlite.Connection, ("_execute",), self._hop))
                yield self
        finally:
            for name, hook in hooks:
                event.remove(Engine, name, hook)

    def count(self, send: Callable[[], httpx.Response], status: int) -> Counted:
        answer = self.counting(send)
        assert answer.status_code == status, answer.text
        return Counted(len(self.statements), self.thread_calls)

    def counting(self, send: Callable[[], T]) -> T:
        """What ``send`` returns; its statements are left in ``statements``."""
        self.statements = []
        self.thread_calls = 0
        self.recording = True
        try:
            sent = send()
        finally:
            self.recording = False
        if os.environ.get("LIANGSHAN_BENCH_SQL") == "1":
            for statement in self.statements:
                print(f"#   {' '.join(statement.split())[:160]}", file=sys.stderr)
        return sent


def order(http: httpx.Client, market: Market, side: str) -> httpx.Response:
    return http.post("/api/v1/orders", json=_body(market, side), headers=_trader(market, side))


@dataclass(frozen=True, slots=True)
class Burst:
    statements_per_order: float
    batches: int


def burst_count(http: TestClient[Litestar], market: Market, counter: Counter) -> Burst:
    """Statements per order when ``BURST`` pairs of orders (a sell, and a buy that trades with it)
    come at once, as under load; and in how many of the sequencer's batches they were written."""
    app = http.app
    sequencer = app.state.platform.sequencer

    async def burst() -> int:
        transport = httpx.ASGITransport(app=app)  # on the app's own loop: the orders are in it at once
        before = sequencer.batches
        async with httpx.AsyncClient(transport=transport, base_url="http://burst") as client:
            answers = await asyncio.gather(
                *(
                    client.post("/api/v1/orders", json=_body(market, side), headers=_trader(market, side))
                    for _ in range(BURST)
                    for side in ("sell", "buy")
                )
            )
        assert all(answer.status_code == 201 for answer in answers), [a.text for a in answers]
        return int(sequencer.batches - before)

    batches = counter.counting(lambda: http.blocking_portal.call(burst))
    return Burst(len(counter.statements) / (2 * BURST), batches)


def _body(market: Market, side: str, price: str = "45.00") -> dict[str, str]:
    return {"instrument": market.instrument, "side": side, "quantity": "1", "price": price}


def _trader(market: Market, side: str) -> dict[str, str]:
    return (market.seller if side == "sell" else market.buyer).headers


def platform_counts(url: str, workdir: Path, counter: Counter) -> tuple[dict[str, Counted], Burst]:
    """The platform's requests' counts, on a database seeded with the demo and a market opened."""
    keys = demo_keys(Server(url, workdir))  # the CLI's seed, in a child process, before the app starts
    settings = Settings(
        database_url=url,
        ledger_key=workdir / "ledger.key",
        limits=UNLIMITED,
        expiry_interval_s=HOUR,
        market_interval_s=HOUR,
        surveillance_interval_s=HOUR,
    )
    with TestClient(create_app(settings), timeout=30) as http:
        market = onboard(http, keys, units="1000", cash="1000000.00")
        for side in ("sell", "buy"):  # untimed: a key's first use and the book's first order
            assert order(http, market, side).status_code == 201
        counts = {
            "resting_order": counter.count(lambda: order(http, market, "sell"), 201),
            "trading_order": counter.count(lambda: order(http, market, "buy"), 201),
            "depth": counter.count(lambda: http.get(f"/api/v1/market/{market.instrument}/depth"), 200),
            "me": counter.count(lambda: http.get("/api/v1/me", headers=market.buyer.headers), 200),
        }
        return counts, burst_count(http, market, counter)


def bare_count(url: str, counter: Counter) -> Counted:
    with TestClient(bare.create_app(url), timeout=30) as http:
        body = {"instrument": "CS-BENCH", "side": "buy", "quantity": "1", "price": "46.00"}
        assert http.post("/bare", json=body).status_code == 201  # untimed: the first statement of each kind
        return counter.count(lambda: http.post("/bare", json=body), 201)


def run(report: Report, postgres_url: str | None) -> None:
    logging.getLogger("httpx").setLevel(logging.WARNING)  # a line per request of the test client
    with tempfile.TemporaryDirectory() as folder, Counter().listening() as counter:
        for name, url in databases(Path(folder), postgres_url, "statements"):
            asyncio.run(reset(url))
            workdir = Path(folder) / name
            workdir.mkdir()
            counts, burst = platform_counts(url, workdir, counter)
            report(
                f"statements_per_order_in_a_burst_of_{2 * BURST}_{name}",
                burst.statements_per_order,
                "statements",
            )
            report(f"batches_of_the_burst_{name}", burst.batches, "batches")
            bare_url = f"sqlite+aiosqlite:///{folder}/bare.db" if name == "sqlite" else url
            counts["bare_insert"] = bare_count(bare_url, counter)
            for what, counted in counts.items():
                report(f"statements_{what}_{name}", counted.statements, "statements")
                if name == "sqlite":
                    report(f"sqlite_thread_calls_{what}_{name}", counted.thread_calls, "calls")
