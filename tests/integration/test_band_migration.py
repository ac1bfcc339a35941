"""Migration 0015 (class bands, reference times, listing years counted at settlement) goes down and
up again with the data it touches: a permit listing's whole-term years come back on the way down."""

import datetime as dt
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import text

from api.database import alembic_config, connect
from tests.platform import Platform

pytestmark = pytest.mark.anyio


async def test_the_band_migration_goes_down_and_up_with_its_data(database_url: str, tmp_path: Path) -> None:
    async with Platform.start(database_url, tmp_path / "ledger.key") as platform:
        seller = await platform.onboard("enterprise")
        issued = await platform.confirmed(seller, "EP", "96.000")  # 2024–2028: 5 whole years
        await platform.open_market(issued["instrument"], "389.00")
        listing = {"items": [{"issuance": issued["id"], "quantity": "96.000"}], "mode": "fixed",
                   "price": "389.00", "ends_at": platform.later(days=1)}  # fmt: skip
        assert (await platform.post("/api/v1/listings", seller, listing)).status_code == 201
        set_at = platform.now
    database = connect(database_url)
    try:
        async with database.writer.connect() as connection:
            await connection.run_sync(lambda sync: command.downgrade(alembic_config(sync), "0012"))
            years = (await connection.execute(text("SELECT years FROM listing_items"))).scalar_one()
            await connection.run_sync(lambda sync: command.upgrade(alembic_config(sync), "head"))
            await connection.commit()
            bands = dict((await connection.execute(text("SELECT * FROM class_bands"))).all())
            found = (await connection.execute(text("SELECT reference_set_at FROM market_rules"))).scalar_one()
    finally:
        await database.dispose()
    assert years == 5
    assert bands == {"CS": 1000, "EP": 1000, "EPHM": 1000, "FR": 1000, "WL": 1000}
    found = found if isinstance(found, dt.datetime) else dt.datetime.fromisoformat(found)
    assert abs(found.replace(tzinfo=dt.UTC) - set_at) < dt.timedelta(seconds=1)  # the row's last change
