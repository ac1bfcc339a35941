"""Property: across random sequences of registry operations, units and cash are conserved and the
ledger replays to exactly the database's holdings and balances."""

import itertools

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from registry.tables import BlockRow, CashAccountRow, IssuanceRow
from tests.platform import Member, Platform

pytestmark = pytest.mark.anyio

operations = st.lists(
    st.tuples(
        st.sampled_from(["issue", "transfer", "retire", "freeze", "release", "deposit", "withdraw"]),
        st.integers(0, 2),  # which party acts
        st.integers(0, 2),  # which party receives
        st.integers(1, 400),  # how much
    ),
    min_size=1,
    max_size=12,
)


class World:
    def __init__(self, platform: Platform, parties: list[Member]) -> None:
        self.platform, self.parties = platform, parties
        self.issuances: list[int] = []
        self.freezes: list[str] = []
        self.net_cash = 0

    async def apply(self, op: str, actor: int, other: int, amount: int) -> None:
        p, me, them = self.platform, self.parties[actor], self.parties[other]
        issuance = self.issuances[amount % len(self.issuances)] if self.issuances else None
        if op == "issue":
            self.issuances.append((await p.confirmed(me, "CS", str(amount)))["id"])
        elif op == "transfer" and issuance:
            await p.post(
                "/api/v1/transfers", me, {"issuance": issuance, "to": them.party, "quantity": str(amount)}
            )
        elif op == "retire" and issuance:
            await p.post(
                "/api/v1/retirements",
                me,
                {
                    "issuance": issuance,
                    "quantity": str(amount % 50 + 1),
                    "beneficiary": "x",
                    "purpose": "voluntary",
                },
            )
        elif op == "freeze" and issuance:
            done = await p.freeze(
                {"issuance": issuance, "owner": me.party, "quantity": str(amount % 30 + 1), "reason": "check"}
            )
            if done.status_code == 200:
                self.freezes.append(done.json()["result"])
        elif op == "release" and self.freezes:
            await p.post(f"/api/v1/freezes/{self.freezes.pop()}/release", await p.regulator())
        elif op in ("deposit", "withdraw"):
            path = "deposits" if op == "deposit" else "withdrawals"
            done = await p.post(
                f"/api/v1/cash/{path}",
                await p.bank(),
                {
                    "party": me.party,
                    "amount": f"{amount}.{actor}5",
                    "reference": f"R{id(self)}-{len(self.issuances)}-{op}-{amount}-{actor}",
                },
            )
            if done.status_code == 201:
                self.net_cash += (amount * 100 + actor * 10 + 5) * (1 if op == "deposit" else -1)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(script=operations)
async def test_random_operations_conserve_units_and_cash_and_replay_exactly(
    platform: Platform, script
) -> None:
    parties = [await platform.onboard("collective", "361028") for _ in range(3)]
    world = World(platform, parties)
    async with platform.core.database.reads() as session:
        cash_before = (await session.execute(select(func.sum(CashAccountRow.balance)))).scalar() or 0
    for step in script:
        await world.apply(*step)
    async with platform.core.database.reads() as session:
        issued = dict((await session.execute(select(IssuanceRow.id, IssuanceRow.quantity))).all())
        blocks = (await session.execute(select(BlockRow.issuance_id, BlockRow.first, BlockRow.last))).all()
        cash_after = (await session.execute(select(func.sum(CashAccountRow.balance)))).scalar() or 0
    for issuance, quantity in issued.items():
        spans = sorted((first, last) for i, first, last in blocks if i == issuance)
        assert sum(last - first + 1 for first, last in spans) == quantity
        assert all(a[1] < b[0] for a, b in itertools.pairwise(spans))  # no overlaps
        assert spans[0][0] == 1 and spans[-1][1] == quantity
    assert cash_after - cash_before == world.net_cash
    assert await platform.audit() == []
