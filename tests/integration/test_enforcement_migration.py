"""The migration that brings in lawful enforcement gives pledges made before it the terms a request
now defaults to (15 days' notice, no early default) and no default, and each asset class the oldest
valuation a pledge may be enforced at. A pledge made with those terms, its columns dropped and
filled again, still agrees with its ledger entries."""

import datetime as dt

import pytest
from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import select

from api.database import alembic_config, upgrade
from registry.tables import AssetClassRow
from tests.platform import START, Platform, appraisal

pytestmark = pytest.mark.anyio
REVISION = "0017"  # the migration that brings in lawful enforcement


async def test_earlier_pledges_get_the_default_terms_and_classes_their_valuation_ages(
    platform: Platform,
) -> None:
    owner, bank = await platform.onboard("enterprise"), await platform.bank()
    issued = await platform.confirmed(owner, "CS", "1000")
    terms = {
        "issuance": issued["id"],
        "bank": bank.party,
        "quantity": "400",
        "loan": "10000.00",
        "loan_term_end": (START.date() + dt.timedelta(days=90)).isoformat(),
    }
    pledge = (await platform.post("/api/v1/pledges", owner, terms)).json()
    assert (await platform.post("/api/v1/valuations", bank, appraisal(issued["id"]))).status_code == 201
    assert (await platform.post(f"/api/v1/pledges/{pledge['id']}/register", bank, {})).status_code == 200
    async with platform.core.database.writer.connect() as connection:
        await connection.run_sync(lambda sync: _downgrade_below(alembic_config(sync)))
        await connection.commit()
    await upgrade(platform.core.database)
    seen = (await platform.get(f"/api/v1/pledges/{pledge['id']}", owner)).json()
    assert (seen["notice_days"], seen["early_default_allowed"], seen["defaulted_on"]) == (15, False, None)
    async with platform.core.database.reads() as session:
        ages = dict(
            (await session.execute(select(AssetClassRow.code, AssetClassRow.valuation_max_age_days))).all()
        )
    assert ages == {"CS": 180, "EP": 180, "EPHM": 180, "FR": 365, "WL": 365}
    assert await platform.audit() == []


def _downgrade_below(config: object) -> None:
    below = ScriptDirectory.from_config(config).get_revision(REVISION).down_revision
    command.downgrade(config, str(below))
