"""Matching-engine figures: a seeded 1,000,000-event stream fed straight to the engine.

60% passive limit orders behind the best price, 25% cancels of resting orders, 15% aggressive orders
(half market, half limits crossing 0-3 ticks), around a steady book of about 3,000 orders on about
100 levels. The same stream also runs through a bare sorted-dict book with none of our features, in
the same process, so the ratio between the two reads true on a noisy machine.
"""

import importlib.util
import random
import statistics
import sys
import time
import tracemalloc
from bisect import bisect_left, insort
from collections import deque
from collections.abc import Callable
from pathlib import Path
from typing import Any

from market import engine as engine_module
from market.engine import BUY, IOC, SELL, Book, Rules

EVENTS = 1_000_000
STEADY_ORDERS = 3_000
RUNS = 5

Command = tuple[str, tuple[object, ...]]


def stream(n: int = EVENTS, seed: int = 7) -> list[Command]:
    """Generate the stream against a live book, so cancels name orders that are really resting."""
    rng = random.Random(seed)
    book = Book(Rules(), reference=100_000)
    live: list[str] = []
    where: dict[str, int] = {}
    commands: list[Command] = []

    def forget(order_id: str) -> None:
        index = where.pop(order_id)
        last = live.pop()
        if last != order_id:
            live[index] = last
            where[last] = index

    for i in range(n):
        roll = rng.random()
        bid, ask = book.bids.best() or 99_990, book.asks.best() or 100_010
        if roll < 0.25 and live:
            command: Command = ("cancel", (live[rng.randrange(len(live))],))
        elif roll < 0.85 or not live:
            side = BUY if rng.random() < 0.5 else SELL
            price = bid - rng.randrange(50) if side == BUY else ask + rng.randrange(50)
            if len(live) > STEADY_ORDERS:
                command = ("cancel", (live[rng.randrange(len(live))],))
            else:
                command = ("submit", (f"o{i}", f"p{rng.randrange(50)}", side, rng.randrange(1, 100), price))
        else:
            side = BUY if rng.random() < 0.5 else SELL
            limit = (
                None
                if rng.random() < 0.5
                else (ask + rng.randrange(4) if side == BUY else bid - rng.randrange(4))
            )
            command = ("submit", (f"o{i}", f"p{rng.randrange(50)}", side, rng.randrange(1, 200), limit, IOC))
        commands.append(command)
        for event in _apply(book, command):
            if event[0] == "accepted" and command[0] == "submit" and len(command[1]) == 5:
                accepted = str(event[1])
                where[accepted] = len(live)
                live.append(accepted)
            elif event[0] == "trade":
                for order_id in event[1:3]:
                    if order_id in where and order_id not in book.orders:
                        forget(order_id)
            elif event[0] == "cancelled" and event[1] in where and event[1] not in book.orders:
                forget(event[1])
    return commands


def _apply(book: Book, command: Command) -> list[tuple[object, ...]]:
    name, args = command
    if name == "cancel":
        return book.cancel(*args)  # type: ignore[arg-type]
    order_id, party, side, quantity, price, *tif = args
    return book.submit(order_id, party, side, quantity, price, tif=tif[0] if tif else "GTC")  # type: ignore[arg-type]


def run_engine(commands: list[Command], book_class: type[Book] = Book) -> float:
    book = book_class(Rules(), reference=100_000)
    # bound before the clock starts, for both books: the timed loop is one call per event
    calls: list[tuple[Callable[..., object], tuple[object, ...]]] = [
        (book.cancel if name == "cancel" else book.submit, args) for name, args in commands
    ]
    started = time.perf_counter()
    for call, args in calls:
        call(*args)
    return len(calls) / (time.perf_counter() - started)


class BareBook:
    """The reference: price levels in a dict of deques and a sorted price list, nothing else."""

    def __init__(self) -> None:
        # an order is [id, side, quantity left, price]: a list, so a fill changes it in place
        self.levels: tuple[dict[int, deque[list[Any]]], dict[int, deque[list[Any]]]] = ({}, {})
        self.prices: tuple[list[int], list[int]] = ([], [])
        self.orders: dict[str, list[Any]] = {}

    def submit(self, order_id: str, side: str, quantity: int, price: int | None, keep: bool) -> None:
        mine, other = (0, 1) if side == BUY else (1, 0)
        prices, levels = self.prices[other], self.levels[other]
        while quantity and prices:
            best = prices[0] if side == BUY else prices[-1]
            if price is not None and (best > price if side == BUY else best < price):
                break
            queue = levels[best]
            while quantity and queue:
                resting = queue[0]
                if resting[2] == 0:
                    queue.popleft()
                    continue
                traded = min(quantity, resting[2])
                quantity -= traded
                resting[2] -= traded
                if not resting[2]:
                    queue.popleft()
                    del self.orders[resting[0]]
            if not queue:
                del levels[best]
                prices.remove(best)
        if quantity and keep and price is not None:
            order = [order_id, mine, quantity, price]
            self.orders[order_id] = order
            if price not in self.levels[mine]:
                self.levels[mine][price] = deque()
                insort(self.prices[mine], price)
            self.levels[mine][price].append(order)

    def cancel(self, order_id: str) -> None:
        order = self.orders.pop(order_id, None)
        if order is not None:
            order[2] = 0
            side, price = order[1], order[3]
            queue = self.levels[side][price]
            if all(o[2] == 0 for o in queue):
                del self.levels[side][price]
                prices = self.prices[side]
                del prices[bisect_left(prices, price)]


def run_bare(commands: list[Command]) -> float:
    book = BareBook()
    calls: list[tuple[Callable[..., None], tuple[object, ...]]] = [
        (book.cancel, args) if name == "cancel" else (book.submit, (*args[:1], *args[2:5], len(args) == 5))
        for name, args in commands
    ]
    started = time.perf_counter()
    for call, args in calls:
        call(*args)
    return len(calls) / (time.perf_counter() - started)


def peak_memory_mb(commands: list[Command]) -> float:
    """Peak memory the engine allocates over the whole stream (the stream itself not counted)."""
    tracemalloc.start()
    book = Book(Rules(), reference=100_000)
    for command in commands:
        _apply(book, command)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak / 2**20


def interpreted_book() -> type[Book]:
    """The engine loaded from its source, bypassing the compiled module: what runs without a C
    compiler."""
    spec = importlib.util.spec_from_file_location(
        "market.engine_interpreted", Path(engine_module.__file__).with_name("engine.py")
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the class is made
    spec.loader.exec_module(module)
    book: type[Book] = module.Book
    return book


def run(report: Callable[[str, float, str], None]) -> None:
    commands = stream()
    built = "interpreted" if engine_module.__file__.endswith(".py") else "compiled by mypyc"
    print(f"# matching engine: {built} ({Path(engine_module.__file__).name})", flush=True)
    interpreted = interpreted_book()
    # the books take turns, so each ratio compares runs made under the same load
    runs = [
        (run_engine(commands), run_engine(commands, interpreted), run_bare(commands)) for _ in range(RUNS)
    ]
    report("engine_events_per_s", statistics.median(e for e, _, _ in runs), "events/s")
    report("engine_interpreted_events_per_s", statistics.median(i for _, i, _ in runs), "events/s")
    report("bare_sorted_dict_book_events_per_s", statistics.median(b for _, _, b in runs), "events/s")
    report("engine_to_bare_ratio", statistics.median(e / b for e, _, b in runs), "x")
    report("engine_interpreted_to_bare_ratio", statistics.median(i / b for _, i, b in runs), "x")
    report("engine_peak_memory", peak_memory_mb(commands), "MiB")
