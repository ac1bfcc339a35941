"""No double spending: requests racing for the same units, on SQLite and on PostgreSQL."""

import asyncio
import itertools

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


def _ranges(serials: list[str]) -> list[tuple[int, int]]:
    """``<class>-<division>-<vintage>-<issuance>-<first>-<last>`` → (first, last)."""
    return [(int(s.split("-")[-2]), int(s.split("-")[-1])) for s in serials]


async def test_one_owners_concurrent_transfers_succeed_while_units_are_free(platform: Platform) -> None:
    """Ten transfers of one issuance by one owner, all in the database at once: each is served from
    what is free when its turn comes (they once saw "0 units are free" on PostgreSQL, having waited for
    blocks that the first transfer had replaced)."""
    owner = await platform.onboard("enterprise")
    receivers = [await platform.onboard("enterprise") for _ in range(10)]
    issued = await platform.confirmed(owner, "CS", "12000")

    def send(receiver: int, quantity: int):  # type: ignore[no-untyped-def]
        body = {"issuance": issued["id"], "to": receivers[receiver].party, "quantity": str(quantity)}
        return platform.post("/api/v1/transfers", owner, body)

    disjoint = [100 * (n + 1) for n in range(10)]  # 5,500 of the 12,000
    answers = await platform.at_once(*(send(n, q) for n, q in enumerate(disjoint)))
    assert [a.status_code for a in answers] == [201] * 10, [a.text for a in answers if a.status_code != 201]
    delivered = sorted(r for a in answers for r in _ranges(a.json()["serials"]))
    assert all(a[1] < b[0] for a, b in itertools.pairwise(delivered))  # no serial went twice
    assert sum(last - first + 1 for first, last in delivered) == 5500

    # 10 × 700 against the 6,500 left: exactly nine fit, and the tenth is told the 200 that are free
    answers = await platform.at_once(*(send(n, 700) for n in range(10)))
    codes = [a.status_code for a in answers]
    assert sorted(codes) == [201] * 9 + [422], [a.text for a in answers]
    refused = next(a.json() for a in answers if a.status_code == 422)
    assert (refused["free"], refused["asked"]) == ("200", "700")

    held = [await platform.holdings(m) for m in (owner, *receivers)]
    assert held[0] == {(issued["id"], "active"): "200"}
    expected = [q + (700 if code == 201 else 0) for q, code in zip(disjoint, codes, strict=True)]
    assert [int(h[(issued["id"], "active")]) for h in held[1:]] == expected
    assert sum(int(q) for h in held for q in h.values()) == 12000
    assert await platform.audit() == []
