"""The HTTP benchmarks' load generator: closed-loop clients on keep-alive connections, each sending
its next request as soon as it has its answer, bounded in count and in time.

aiohttp rather than httpx: at a few thousand requests a second httpx's connection pool costs more
than the server under test, and its queueing lands in the latency tail being measured."""

import asyncio
import itertools
import statistics
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import aiohttp


@dataclass(frozen=True, slots=True)
class Request:
    """One request of a load: a POST when it has a JSON body, a GET when it has none."""

    path: str
    body: Mapping[str, Any] | None = None
    headers: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Load:
    count: int
    elapsed: float
    latencies: list[float]

    @property
    def rate(self) -> float:
        return self.count / self.elapsed

    def percentile_ms(self, percent: int) -> float:
        return statistics.quantiles(self.latencies, n=100)[percent - 1] * 1000


async def closed_loop(
    url: str, clients: int, count: int, seconds: float, request: Callable[[int], Request], status: int
) -> Load:
    """Run ``clients`` clients until ``count`` requests or ``seconds`` have gone; request ``n`` is
    ``request(n)``, and every answer must have ``status``. Each client first asks once untimed, to
    open its connection."""
    numbers = itertools.count()
    latencies: list[float] = []

    async def ask(http: aiohttp.ClientSession) -> None:
        sent = request(next(numbers))
        method = "GET" if sent.body is None else "POST"
        async with http.request(method, f"{url}{sent.path}", json=sent.body, headers=sent.headers) as answer:
            assert answer.status == status, await answer.text()
            await answer.read()

    async def client(http: aiohttp.ClientSession, deadline: float) -> None:
        while len(latencies) < count and time.monotonic() < deadline:
            started = time.perf_counter()
            await ask(http)
            latencies.append(time.perf_counter() - started)

    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=clients)) as http:
        await asyncio.gather(*(ask(http) for _ in range(clients)))
        started = time.perf_counter()
        deadline = time.monotonic() + seconds
        await asyncio.gather(*(client(http, deadline) for _ in range(clients)))
        return Load(len(latencies), time.perf_counter() - started, latencies)
