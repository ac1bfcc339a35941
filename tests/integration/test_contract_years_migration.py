"""Contracts that ended short before contract years were counted: migration 0016 records the years
each contract owes, and the scheduler pays the missing ones as catch-up payments, each with its
ledger entry; a contract that a sale ended owes nothing more than it was paid."""

import datetime as dt
from typing import Any

import pytest
from alembic import command
from alembic.script import ScriptDirectory

from api.database import alembic_config, connect
from registry import blocks as b
from registry import events as ev
from registry import units
from registry.tables import ContractRow
from tests.platform import Member, Platform

pytestmark = pytest.mark.anyio
TERM = {"mode": "lease", "annual_rent": "1000.00", "quantity": "156.35",
        "term_start": "2023-11-29", "term_end": "2026-11-28"}  # fmt: skip


async def lease(platform: Platform, operator: Member, household: Member, issuance: int) -> str:
    body = {"depositor": household.party, "issuance": issuance, **TERM}
    offered = await platform.post("/api/v1/contracts", operator, body)
    assert offered.status_code == 201, offered.text
    signed = await platform.post(f"/api/v1/contracts/{offered.json()['id']}/sign", household)
    assert signed.status_code == 200, signed.text
    return str(signed.json()["id"])


async def end_as_before(platform: Platform, contract: str) -> None:
    """What the scheduler did on 2026-11-29 before contract years were counted: end the lease, its
    units back to the depositor, with the third year unpaid."""
    async with platform.core.unit_of_work() as work:
        row = await work.session.get(ContractRow, contract)
        assert row is not None and row.years_paid == 2
        ranges = await units.rehome(
            work, issuance_id=row.issuance_id, owner=row.depositor_id, state=b.RESERVED, ref=row.id,
            to_owner=row.depositor_id, to_state=b.ACTIVE, to_ref=None,
        )  # fmt: skip
        row.status = "ended"
        work.record(
            ev.ContractEnded(
                contract=row.id, issuance=row.issuance_id, owner=row.depositor_id, ranges=tuple(ranges)
            ),
            actor=ev.SYSTEM,
        )
        await work.commit()


async def migrate_again(database_url: str) -> None:
    """Undo migration 0016 (and any after it) and apply it again, on the data as it stands."""
    database = connect(database_url)
    try:
        async with database.writer.connect() as connection:

            def again(sync: Any) -> None:
                config = alembic_config(sync)
                before = ScriptDirectory.from_config(config).get_revision("0016").down_revision
                command.downgrade(config, str(before))
                command.upgrade(config, "head")

            await connection.run_sync(again)
            await connection.commit()
    finally:
        await database.dispose()


async def contract_view(platform: Platform, member: Member, contract: str) -> dict[str, Any]:
    return next(c for c in (await platform.get("/api/v1/contracts", member)).json() if c["id"] == contract)


async def balance(platform: Platform, member: Member) -> str:
    return str((await platform.get(f"/api/v1/parties/{member.party}/cash", member)).json()["balance"])


async def test_a_lease_ended_short_is_paid_its_last_year_after_the_migration(
    platform: Platform, database_url: str
) -> None:
    household, seller, operator = (
        await platform.onboard("person", "360982"),
        await platform.onboard("person", "360982"),
        await platform.onboard("operator", "361028"),
    )
    await platform.deposit(operator, "10000.00")
    short = await lease(platform, operator, household, (await platform.confirmed(household, "FR"))["id"])
    sold = await lease(platform, operator, seller, (await platform.confirmed(seller, "FR"))["id"])
    await platform.advance()  # two years of each are over: 4 × 1,000.00
    listed = await platform.post(
        f"/api/v1/contracts/{sold}/sell",
        operator,
        {"mode": "fixed", "price": "100.00", "ends_at": platform.later(hours=1)},
    )
    assert listed.status_code == 201, listed.text
    buyer = await platform.onboard("enterprise")
    await platform.deposit(buyer, "20000.00")
    assert (await platform.post(f"/api/v1/listings/{listed.json()['id']}/buy", buyer)).status_code == 200
    platform.clock.now = dt.datetime(2026, 11, 29, 2, tzinfo=dt.UTC)  # the scheduler has not run yet
    await end_as_before(platform, short)
    assert await balance(platform, household) == "2000.00"

    await migrate_again(database_url)

    assert (await contract_view(platform, household, short))["years_due"] == 3
    assert (await contract_view(platform, seller, sold))["years_due"] == 2  # the sale ended it
    await platform.advance()
    assert await balance(platform, household) == "3000.00"  # the third year, caught up
    assert await balance(platform, seller) == "17635.00"  # two years and the sale, nothing more
    assert [b["amount"] for b in await platform.bodies("contract.paid")] == ["1000.00"] * 5
    await platform.advance(days=30)
    assert await balance(platform, household) == "3000.00"
    assert await platform.audit() == []
