"""What the engine's events make true in the database: a fill settles delivery versus payment in the
same transaction as the new state of both orders, a cancel or an amendment gives back what the order
no longer needs, and a refusal becomes the user's error in CNY and display units.
"""

import string
from dataclasses import dataclass

from sqlalchemy import select

from market import engine as e
from market.errors import REFUSED, MarketBuyWithoutBand
from market.exchange import Market, Terms
from market.pricing import fee, hold_per_lot, trade_value
from market.tables import FillRow, OrderRow, OrderStatus, SelfTrade, Side, TimeInForce
from registry import cash, units
from registry import context as c
from registry import events as ev
from registry.errors import RegistryError
from registry.locks import inserted, known, locked
from registry.quantities import Money, Quantity
from settlement.dvp import Trade, settle

_CHOICES: dict[str, tuple[str, ...]] = {
    "side": tuple(Side),
    "time_in_force": tuple(TimeInForce),
    "self_trade": tuple(SelfTrade),
}


@dataclass(frozen=True, slots=True)
class Fees:
    bps: int  # per side
    account: str  # the platform party that collects them


def refused(refusal: str, terms: Terms, order: e.Order, reference: int | None) -> RegistryError:
    """The engine's refusal of ``order`` as the user's error, with the facts its message names, in
    CNY and display units rather than ticks of fen and base units; ``reference`` centres the band."""
    error, field = REFUSED[refusal]
    rules = terms.rules

    def cny(fen: int | None) -> str:
        return "" if fen is None else str(Money(fen))

    def shown(quantity: int) -> str:
        return str(Quantity(quantity, terms.scale))

    low, high = e.price_band(rules, reference) or (rules.tick, 0)
    value = {"side": order.side, "time_in_force": order.tif, "self_trade": order.self_trade}.get(field, "")
    known: dict[str, str] = {
        "order": order.id,
        "instrument": terms.instrument,
        "price": cny(order.price),
        "tick": cny(rules.tick),
        "low": cny(low),
        "high": cny(high),
        "quantity": shown(order.quantity),
        "lot": shown(rules.lot),
        "minimum": shown(rules.min_quantity),
        "maximum": shown(rules.max_quantity),
        "value": value,
        "choices": ", ".join(_CHOICES.get(field, ())),
    }
    named = {name for _, name, _, _ in string.Formatter().parse(error.template or "") if name}
    return error(field, **{name: known[name] for name in named})


async def apply(work: c.Work, market: Market, events: list[e.Event], *, fees: Fees, actor: str) -> None:
    """Make the engine's events true in the database: fills settle, cancels release. Refusals are
    the caller's to raise (``refused``), before anything is applied."""
    rows: dict[str, OrderRow] = {}

    async def order(order_id: str) -> OrderRow:
        if order_id not in rows:
            found = await locked(work.session, OrderRow, order_id)
            assert found is not None, f"the book holds order {order_id} that the database does not"
            rows[order_id] = found
        return rows[order_id]

    for event in events:
        kind = event[0]
        assert kind != "rejected", "a refusal is raised before the events are applied"
        if kind == "trade":
            _, buy_id, sell_id, price, quantity, aggressor = event
            buy, sell = await order(buy_id), await order(sell_id)
            await _fill(
                work, market, buy, sell, price=price, quantity=quantity, aggressor=aggressor, fees=fees
            )
        elif kind == "cancelled":
            _, order_id, quantity, reason = event
            await _cancel(work, market, await order(order_id), quantity=quantity, reason=reason, actor=actor)
        elif kind == "amended":
            _, order_id, price, quantity, kept_priority = event
            row = await order(order_id)
            await _amend(
                work, market, row, price=price, quantity=quantity, kept=kept_priority, fees=fees, actor=actor
            )


async def lock_front(work: c.Work, market: Market, count: int) -> None:
    """Lock and read, in one statement, the resting orders that ``count`` orders reach first on
    either side of the book, as ``apply`` would one by one as each is filled: a batch of ``count``
    orders then reads none of them again; nor the units the sells among them reserved, but once
    (``units.expect_liens``). A lone order reads only what it fills, as it fills it."""
    if count < 2:
        return
    wanted = [i for i in market.book.front(count) if known(work.session, (OrderRow, i)) is None]
    if not wanted:
        return
    sells: dict[tuple[int, str], set[str]] = {}
    query = select(OrderRow).where(OrderRow.id.in_(wanted)).with_for_update()
    for row in (await work.session.execute(query)).scalars():
        inserted(work.session, OrderRow, row.id, row)
        if row.side == Side.SELL and row.issuance_id is not None:
            sells.setdefault((row.issuance_id, row.party_id), set()).add(row.id)
    for (issuance, owner), liens in sells.items():
        units.expect_liens(work.session, issuance, owner, liens)


def cash_per_lot(market: Market, price: int | None, bps: int, years: int) -> int:
    """A limit buy holds at its limit; a market buy at the top of the band it may trade in. Both
    hold for the ``years`` left today: a fill later counts as many or fewer, so the hold covers it."""
    terms = market.terms
    if price is None:
        if terms.rules.band_bps is None or market.book.reference is None:
            raise MarketBuyWithoutBand("price")
        price = market.book.band()[1]
    return hold_per_lot(price, terms.rules.lot, terms.scale, years, bps)


async def _fill(
    work: c.Work,
    market: Market,
    buy: OrderRow,
    sell: OrderRow,
    *,
    price: int,
    quantity: int,
    aggressor: str | None,
    fees: Fees,
) -> None:
    terms = market.terms
    assert sell.issuance_id is not None
    lots = quantity // terms.rules.lot
    await cash.unhold(work, party=buy.party_id, fen=lots * buy.cash_per_lot, ref=buy.id, actor=ev.SYSTEM)
    value = trade_value(price, quantity, terms.scale, terms.years_at(work.now))  # left at settlement
    charge = fee(value, fees.bps)
    trade = Trade(
        trade_id=work.new_id(),
        issuance=sell.issuance_id,
        seller=sell.party_id,
        buyer=buy.party_id,
        units=quantity,
        scale=terms.scale,
        price_fen=price,
        value_fen=value,
        buyer_fee_fen=charge,
        seller_fee_fen=charge,
        fee_account=fees.account,
        ref=sell.id,
    )
    await settle(work, trade, actor=ev.SYSTEM)
    for row in (buy, sell):
        row.remaining -= quantity
        row.filled += quantity
        row.updated_at = work.now
        if row.remaining == 0:
            row.status = OrderStatus.FILLED
    work.session.add(
        FillRow(
            trade_id=trade.trade_id,
            instrument_id=terms.instrument,
            buy_order_id=buy.id,
            sell_order_id=sell.id,
            price=price,
            quantity=quantity,
            value=value,
            buyer_fee=charge,
            seller_fee=charge,
            aggressor=aggressor,
            at=work.now,
        )
    )


async def _cancel(
    work: c.Work, market: Market, row: OrderRow, *, quantity: int, reason: str, actor: str
) -> None:
    await _release(work, market, row, quantity, actor)
    row.remaining -= quantity
    row.updated_at = work.now
    if row.remaining == 0:
        row.status = OrderStatus.EXPIRED if reason == "expired" else OrderStatus.CANCELLED
        row.reason = reason


async def _release(work: c.Work, market: Market, row: OrderRow, quantity: int, actor: str) -> None:
    """Give back what ``quantity`` of the order no longer needs."""
    if row.side == e.SELL:
        assert row.issuance_id is not None
        await units.release(
            work, issuance_id=row.issuance_id, owner=row.party_id, ref=row.id, actor=actor, units=quantity
        )
    else:
        fen = quantity // market.terms.rules.lot * row.cash_per_lot
        await cash.unhold(work, party=row.party_id, fen=fen, ref=row.id, actor=actor)


async def _amend(
    work: c.Work,
    market: Market,
    row: OrderRow,
    *,
    price: int,
    quantity: int,
    kept: bool,
    fees: Fees,
    actor: str,
) -> None:
    """Hold what the amended order needs before any fill it makes at its new price."""
    if kept:  # the same price, less quantity: give back the difference
        await _release(work, market, row, row.remaining - quantity, actor)
        row.quantity, row.remaining, row.updated_at = row.filled + quantity, quantity, work.now
        return
    await _release(work, market, row, row.remaining, actor)
    if row.side == e.SELL:
        assert row.issuance_id is not None
        await units.reserve(work, issuance_id=row.issuance_id, owner=row.party_id, units=quantity, ref=row.id)
    else:
        row.cash_per_lot = cash_per_lot(market, price, fees.bps, market.terms.years_at(work.now))
        held = quantity // market.terms.rules.lot * row.cash_per_lot
        await cash.hold(work, party=row.party_id, fen=held, ref=row.id, actor=actor)
    row.price, row.quantity, row.remaining = price, row.filled + quantity, quantity
    row.updated_at = work.now
    row.priority = market.next_priority()
