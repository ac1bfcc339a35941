"""Run every benchmark and print ``name: value unit`` lines.

PostgreSQL figures need ``LIANGSHAN_BENCH_POSTGRES_URL`` (default: a ``liangshan_bench`` database on
the local server, created if missing); without a reachable server they are skipped with a note.
``python -m benchmarks http`` (or ``engine``, ``ledger``, ``collateral``, ``parcels``) runs one group.
"""

import asyncio
import os
import sys

import asyncpg
from sqlalchemy.engine import make_url

from benchmarks import collateral, engine, http, ledger, parcels

DEFAULT = "postgresql+asyncpg://postgres@127.0.0.1:5432/liangshan_bench"


def report(name: str, value: float, unit: str) -> None:
    digits = 2 if abs(value) < 10 else 1
    print(f"{name}: {value:,.{digits}f} {unit}".replace(",", "_"), flush=True)


async def _ensure_database(url: str) -> None:
    parsed = make_url(url)
    admin = await asyncpg.connect(
        host=parsed.host,
        port=parsed.port or 5432,
        user=parsed.username,
        password=parsed.password,
        database="postgres",
    )
    try:
        await admin.execute(f"DROP DATABASE IF EXISTS {parsed.database} WITH (FORCE)")
        await admin.execute(f"CREATE DATABASE {parsed.database}")
    finally:
        await admin.close()


def postgres() -> str | None:
    url = os.environ.get("LIANGSHAN_BENCH_POSTGRES_URL", DEFAULT)
    try:
        asyncio.run(_ensure_database(url))
    except (OSError, asyncpg.PostgresError) as exc:
        print(f"# PostgreSQL figures skipped: {exc}", file=sys.stderr)
        return None
    return url


if __name__ == "__main__":
    groups = set(sys.argv[1:]) or {"engine", "ledger", "http", "collateral", "parcels"}
    if "engine" in groups:
        engine.run(report)
    postgres_url = postgres() if groups & {"ledger", "http", "parcels"} else None
    if "ledger" in groups:
        ledger.run(report, postgres_url)
    if "http" in groups:
        http.run(report, postgres_url)
    if "collateral" in groups:
        collateral.run(report)
    if "parcels" in groups:
        parcels.run(report, postgres_url)
