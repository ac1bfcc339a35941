"""No double spending: requests racing for the same units, on SQLite and on PostgreSQL."""

import asyncio

import pytest

from tests.platform import Platform

pytestmark = pytest.mark.anyio


async def test_two_transfers_race_for_the_same_units_and_exactly_one_wins(platform: Platform) -> None:
    seller = await platform.onboard("collective", "361028")
    buyers = [await platform.onboard("enterprise"), await platform.onboard("enterprise")]
    for _ in range(5):
        issued = await platform.confirmed(seller, "CS", "100")
        race = await asyncio.gather(
            *(
                platform.post(
                    "/api/v1/transfers", seller, {"issuance": issued["id"], "to": b.party, "quantity": "70"}
                )
                for b in buyers
            )
        )
        codes = sorted(r.status_code for r in race)
        assert codes[0] == 201 and codes[1] in (409, 422), [r.text for r in race]
        held = [await platform.holdings(b) for b in buyers]
        assert sorted(h.get((issued["id"], "active"), "0") for h in held) == ["0", "70"]
    assert await platform.audit() == []


async def test_retire_and_transfer_race_for_the_last_units(platform: Platform) -> None:
    holder, buyer = await platform.onboard("enterprise"), await platform.onboard("enterprise")
    issued = await platform.confirmed(holder, "CS", "10")
    race = await asyncio.gather(
        platform.post(
            "/api/v1/retirements",
            holder,
            {"issuance": issued["id"], "quantity": "10", "beneficiary": "x", "purpose": "voluntary"},
        ),
        platform.post(
            "/api/v1/transfers", holder, {"issuance": issued["id"], "to": buyer.party, "quantity": "10"}
        ),
    )
    assert sorted(r.status_code for r in race)[0] == 201
    assert sum(r.status_code == 201 for r in race) == 1
    assert await platform.audit() == []


async def test_concurrent_withdrawals_never_overdraw(platform: Platform) -> None:
    member, bank = await platform.onboard("enterprise"), await platform.bank()
    await platform.deposit(member, "100.00")
    race = await asyncio.gather(
        *(
            platform.post(
                "/api/v1/cash/withdrawals",
                bank,
                {"party": member.party, "amount": "60.00", "reference": f"W{n}"},
            )
            for n in range(3)
        )
    )
    assert sum(r.status_code == 201 for r in race) == 1
    assert (await platform.get(f"/api/v1/parties/{member.party}/cash", member)).json()["balance"] == "40.00"
