"""Property: under random order flow through the API — limit, market, IOC and FOK orders, cancels and
amends, one at a time or several at once in one batch — units and cash are conserved, fees are
exact, what orders hold equals what is held, the book in memory equals the book rebuilt from the
database, and the ledger replays to the database."""

import itertools
from collections.abc import AsyncIterator, Awaitable
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
from httpx import Response
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from market.exchange import rebuild
from market.tables import FillRow, OrderRow, OrderStatus
from registry import blocks as b
from registry.tables import BlockRow, CashAccountRow, IssuanceRow
from tests.platform import Platform

pytestmark = pytest.mark.anyio
FEE_BPS = 30

steps = st.lists(
    st.one_of(
        st.tuples(
            st.sampled_from(["buy", "sell"]),
            st.integers(0, 2),  # party
            st.sampled_from([None, "40.00", "41.00", "42.00", "43.00"]),  # None: a market order
            st.integers(1, 60),
            st.sampled_from(["GTC", "GTC", "IOC", "FOK", "DAY"]),
        ),
        st.tuples(st.just("cancel"), st.integers(0, 2), st.integers(0, 50)),
        st.tuples(st.just("amend"), st.integers(0, 2), st.integers(0, 50), st.integers(1, 60)),
    ),
    min_size=1,
    max_size=25,
)


@pytest.fixture
async def platform(database_url: str, tmp_path: Path) -> AsyncIterator[Platform]:
    async with Platform.start(database_url, tmp_path / "ledger.key", fee_bps=FEE_BPS) as started:
        yield started


async def play(platform: Platform, script: list[tuple[Any, ...]], together: int) -> None:
    parties = [await platform.onboard("collective", "361028") for _ in range(3)]
    instrument = ""
    for party in parties:
        instrument = (await platform.confirmed(party, "CS", "1000"))["instrument"]
        await platform.deposit(party, "200000.00")
    rules = {"band_bps": 1000, "reference_price": "42.00"}  # a market buy holds at the band's top
    await platform.client.put(
        f"/api/v1/market/{instrument}/rules", json=rules, headers=platform.registrar.auth
    )
    entered: list[tuple[int, str]] = []

    def send(step: tuple[Any, ...]) -> Awaitable[Response] | None:
        if step[0] in ("buy", "sell"):
            side, _, price, quantity, tif = step
            body = {"instrument": instrument, "side": side, "quantity": str(quantity), "time_in_force": tif}
            if price is not None:
                body["price"] = price
            return platform.post("/api/v1/orders", parties[step[1]], body)
        if not entered:
            return None
        party, order_id = entered[step[2] % len(entered)]
        body = {"quantity": str(step[3])} if step[0] == "amend" else None
        return platform.post(f"/api/v1/orders/{order_id}/{step[0]}", parties[party], body)

    # ``together`` steps are sent at once, into one batch of the sequencer: one transaction, one flush
    for start in range(0, len(script), together):
        sent = [(step, request) for step in script[start : start + together] if (request := send(step))]
        answers = await platform.at_once(*(request for _, request in sent))
        for (step, _), answer in zip(sent, answers, strict=True):
            if step[0] in ("buy", "sell"):
                assert answer.status_code in (201, 422), answer.text
                if answer.status_code == 201:
                    entered.append((step[1], answer.json()["id"]))
            else:
                assert answer.status_code in (200, 409, 422), answer.text


async def check_invariants(platform: Platform, cash_before: int) -> None:
    async with platform.core.database.reads() as session:
        issued = dict((await session.execute(select(IssuanceRow.id, IssuanceRow.quantity))).all())
        blocks = (await session.execute(select(BlockRow))).scalars().all()
        balances = (await session.execute(select(CashAccountRow))).scalars().all()
        fills = (await session.execute(select(FillRow))).scalars().all()
        open_orders = (
            (await session.execute(select(OrderRow).where(OrderRow.status == OrderStatus.OPEN)))
            .scalars()
            .all()
        )
        instruments = {r.instrument_id for r in open_orders}
        rebuilt = {i: (await rebuild(session, i)).book.depth(1000) for i in instruments}
    for issuance, quantity in issued.items():  # units: every issuance tiled exactly, no overlap
        spans = sorted((x.first, x.last) for x in blocks if x.issuance_id == issuance)
        assert sum(last - first + 1 for first, last in spans) == quantity
        assert all(a[1] < b_[0] for a, b_ in itertools.pairwise(spans))
    assert sum(a.balance for a in balances) == cash_before  # cash only moves between parties
    assert all(0 <= a.reserved <= a.balance for a in balances)
    for fill in fills:  # fees exact: 0.30% of the value each side, half-even to the fen
        assert fill.value == fill.price * fill.quantity
        assert fill.buyer_fee == fill.seller_fee == round(Fraction(fill.value * FEE_BPS, 10_000))
    registrar = next(a for a in balances if a.party_id == platform.registrar.party)
    assert registrar.balance == sum(f.buyer_fee + f.seller_fee for f in fills)
    for account in balances:  # what open buys hold is exactly what is held
        held = sum(
            o.remaining * o.cash_per_lot
            for o in open_orders
            if o.party_id == account.party_id and o.side == "buy"
        )
        assert account.reserved == held
    for party in {o.party_id for o in open_orders} | {x.owner_id for x in blocks}:
        reserved = sum(x.last - x.first + 1 for x in blocks if x.owner_id == party and x.state == b.RESERVED)
        assert reserved == sum(o.remaining for o in open_orders if o.party_id == party and o.side == "sell")
    exchange = platform.client.app.state.platform.exchange
    for instrument, depth in rebuilt.items():  # the book in memory, as published, equals the database's
        published = exchange.published(instrument)
        assert published is not None
        shown = {"bids": published.bids, "asks": published.asks}
        assert {side: [(p, q) for p, q, _ in levels] for side, levels in shown.items()} == depth
    assert await platform.audit() == []


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(script=steps, together=st.integers(1, 6))
async def test_random_order_flow_conserves_units_and_cash_with_exact_fees(
    platform: Platform, script: list[tuple[Any, ...]], together: int
) -> None:
    async with platform.core.database.reads() as session:
        cash_before = (await session.execute(select(func.sum(CashAccountRow.balance)))).scalar() or 0
    await play(platform, script, together)
    await check_invariants(platform, cash_before + 3 * 20_000_000)
