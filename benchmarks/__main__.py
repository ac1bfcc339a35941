"""Run every benchmark and print ``name: value unit`` lines.

PostgreSQL figures need ``LIANGSHAN_BENCH_POSTGRES_URL`` (default: a ``liangshan_bench_<checkout>``
database on the local server, made afresh; one per checkout, so that two checkouts benchmarking on
one server do not drop each other's); without a reachable server they are skipped with a note.
``python -m benchmarks orders depth`` runs those groups (any of ``GROUPS``); ``http`` is the old name
of ``orders``.
"""

import asyncio
import hashlib
import os
import sys
from pathlib import Path

import asyncpg  # type: ignore[import-untyped]  # asyncpg ships no type hints
from sqlalchemy.engine import make_url

from benchmarks import collateral, depth, engine, http, ledger, pages, parcels, statements

CHECKOUT = hashlib.sha256(str(Path(__file__).resolve().parent.parent).encode()).hexdigest()[:8]
DEFAULT = f"postgresql+asyncpg://postgres@127.0.0.1:5432/liangshan_bench_{CHECKOUT}"
GROUPS = ("engine", "ledger", "orders", "depth", "statements", "collateral", "parcels", "pages")
ON_POSTGRES = {"ledger", "orders", "depth", "statements", "parcels"}


def report(name: str, value: float, unit: str) -> None:
    if isinstance(value, int):  # a count
        print(f"{name}: {value:_} {unit}", flush=True)
        return
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


def main(names: list[str]) -> int:
    groups = {"orders" if name == "http" else name for name in names} or set(GROUPS)
    if unknown := groups - set(GROUPS):
        print(f"unknown groups {sorted(unknown)}; the groups are {', '.join(GROUPS)}", file=sys.stderr)
        return 2
    if "engine" in groups:
        engine.run(report)
    postgres_url = postgres() if groups & ON_POSTGRES else None
    if "ledger" in groups:
        ledger.run(report, postgres_url)
    if "orders" in groups:
        http.run(report, postgres_url)
    if "depth" in groups:
        depth.run(report, postgres_url)
    if "statements" in groups:
        statements.run(report, postgres_url)
    if "collateral" in groups:
        collateral.run(report)
    if "parcels" in groups:
        parcels.run(report, postgres_url)
    if "pages" in groups:
        pages.run(report)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
