"""The overlap check with 100k registered parcels: the time to find the live rights a new boundary
shares land with (the bounding-box range query, then exact GEOS intersections on its candidates), as a
regulator's review and a confirmation run it, median over many new parcels at random places.

The registered parcels tile Jiangxi's middle (a 400 × 250 grid of cells, 114–118 E, 25–29.5 N), one
irregular polygon of 8–24 vertices and 0.5–6 ha in each cell, forest rights and carbon-sink projects
mixed, each a live confirmed right with its units; the new parcels are of the same sizes."""

import asyncio
import datetime as dt
import math
import random
import statistics
import tempfile
import time
from collections.abc import Callable
from typing import Any

from sqlalchemy import insert

from api.database import Database, connect, upgrade
from benchmarks.ledger import reset
from registry import parcel_geometry as g
from registry import parcels
from registry.assets import get_asset_class
from registry.tables import ApplicationRow, BlockRow, IssuanceRow, ParcelRow, PartyRow

PARCELS = 100_000
COLUMNS, ROWS = 400, 250
WEST, SOUTH, WIDTH, HEIGHT = 114.0, 25.0, 4.0, 4.5
CHECKS = 200
BATCH = 5_000
AT = dt.datetime(2026, 11, 28, tzinfo=dt.UTC)
HOLDER = "bench-holder"


def polygon(rng: random.Random, lon: float, lat: float) -> dict[str, Any]:
    """An irregular star-shaped parcel around (lon, lat), within about 0.0045° of it."""
    vertices = rng.randrange(8, 25)
    radius = rng.uniform(0.0005, 0.0015)
    points = []
    for n in range(vertices):
        angle = 2 * math.pi * n / vertices
        r = radius * rng.uniform(0.7, 1.3)
        points.append([f"{lon + r * math.cos(angle):.7f}", f"{lat + r * math.sin(angle):.7f}"])
    return {"type": "Polygon", "coordinates": [[*points, points[0]]]}


def _rows(n: int, rng: random.Random) -> dict[str, list[dict[str, Any]]]:
    column, row = divmod(n, ROWS)
    lon = WEST + (column + 0.5) * WIDTH / COLUMNS
    lat = SOUTH + (row + 0.5) * HEIGHT / ROWS
    parcel = g.parse(polygon(rng, lon, lat), "boundary")
    code, issuance = ("FR", "CS")[n % 2], n + 1
    application = {
        "id": f"bench-{issuance}",
        "applicant_id": HOLDER,
        "holder_id": HOLDER,
        "asset_class": code,
        "division": "361028",
        "vintage": 2024,
        "quantity": 100,
        "attributes": {},
        "status": "confirmed",
        "issuance_id": issuance,
        "filed_at": AT,
    }
    right = {
        "id": issuance,
        "application_id": f"bench-{issuance}",
        "asset_class": code,
        "holder_id": HOLDER,
        "division": "361028",
        "vintage": 2024,
        "quantity": 100,
        "attributes": {},
        "confirmed_at": AT,
    }
    block = {"issuance_id": issuance, "first": 1, "last": 100, "owner_id": HOLDER, "state": "active"}
    indexed = parcels.parcel_row(code, issuance, parcel)
    box = {c.name: getattr(indexed, c.key) for c in ParcelRow.__table__.columns}
    return {"applications": [application], "issuances": [right], "blocks": [block], "parcels": [box]}


async def load(database: Database) -> None:
    """Register ``PARCELS`` live rights with their parcels, in batches."""
    rng = random.Random(11)
    tables = {
        "applications": ApplicationRow,
        "issuances": IssuanceRow,
        "blocks": BlockRow,
        "parcels": ParcelRow,
    }
    async with database.writes() as session, session.begin():
        await session.execute(
            insert(PartyRow).values(
                id=HOLDER, kind="collective", name="bench", division="361028", created_at=AT
            )
        )
    for start in range(0, PARCELS, BATCH):
        batch: dict[str, list[dict[str, Any]]] = {name: [] for name in tables}
        for n in range(start, min(start + BATCH, PARCELS)):
            for name, rows in _rows(n, rng).items():
                batch[name].extend(rows)
        async with database.writes() as session, session.begin():
            for name, table in tables.items():
                await session.execute(insert(table), batch[name])


async def check_ms(url: str) -> tuple[float, float]:
    """Load the parcels, then the median and 95th percentile time (ms) of one overlap check."""
    database = connect(url)
    try:
        await upgrade(database)
        await load(database)
        rng = random.Random(7)
        times, found = [], 0
        async with database.reads() as session:
            cls = await get_asset_class(session, "FR")
            for _ in range(CHECKS):
                boundary = polygon(rng, rng.uniform(WEST, WEST + WIDTH), rng.uniform(SOUTH, SOUTH + HEIGHT))
                started = time.perf_counter()
                overlaps = await parcels.overlaps(session, cls, {"boundary": boundary}, AT.date())
                times.append((time.perf_counter() - started) * 1000)
                found += len(overlaps or ())
        assert found > 0, "the new parcels never met a registered one: the benchmark checks nothing"
        return statistics.median(times), statistics.quantiles(times, n=20)[-1]
    finally:
        await database.dispose()
        await reset(url)


def run(report: Callable[[str, float, str], None], postgres_url: str | None) -> None:
    with tempfile.TemporaryDirectory() as folder:
        engines = [("sqlite", f"sqlite+aiosqlite:///{folder}/parcels.db")]
        if postgres_url:
            engines.append(("postgres", postgres_url))
        for name, url in engines:
            median, p95 = asyncio.run(check_ms(url))
            report(f"parcel_overlap_check_100k_{name}", median, "ms")
            report(f"parcel_overlap_check_100k_p95_{name}", p95, "ms")
