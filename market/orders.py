"""The order use cases: enter an order with what it promises set aside — a sell's units, a buy's cash —
then match it; cancel, amend and list a party's orders. Each runs as the book's writer
(``market.exchange``); what the engine's events mean for the database is ``market.execution``'s.
"""

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from market import engine as e
from market.errors import (
    ExpiryOnlyForGoodTillDate,
    ExpiryRequired,
    IssuanceHoldsTooFewUnits,
    NoIssuanceHoldsEnough,
    NoSuchOrder,
    NotInFuture,
    NotTheOrdersParty,
)
from market.exchange import Market, Terms, engine_order, micros, terms_of
from market.execution import Fees, apply, cash_per_lot, refused
from market.expiry import end_of_trading_day
from market.pricing import figures, trading_day, years_left
from market.tables import OrderRow, OrderStatus, SelfTrade, Side, TimeInForce
from registry import cash, locks, units
from registry import context as c
from registry.errors import UnknownCursor
from registry.quantities import Money, Quantity


@dataclass(frozen=True, slots=True)
class Order:
    id: str
    instrument: str
    side: str
    price: str | None
    quantity: str
    remaining: str
    filled: str
    time_in_force: str
    expires_at: dt.datetime | None
    self_trade: str
    status: OrderStatus
    reason: str | None
    created_at: dt.datetime
    updated_at: dt.datetime
    years: int  # the years its price counts: left on the term today (when it closed, once closed)
    value: str | None  # its quantity at its limit price for those years; a market order has none
    buyer_fee: str | None
    seller_fee: str | None


@dataclass(frozen=True, slots=True)
class Entry:
    """An order as its party enters it, in display units."""

    side: Side
    quantity: str
    price: str | None
    time_in_force: TimeInForce = TimeInForce.GTC
    expires_at: dt.datetime | None = None
    self_trade: SelfTrade = SelfTrade.CANCEL_NEWEST
    issuance: int | None = None  # which of the seller's issuances delivers; the oldest that can by default


def view(row: OrderRow, terms: Terms, bps: int, now: dt.datetime) -> Order:
    """An order as its party sees it, with what it comes to at its limit on ``now``'s trading day
    (on the day it closed, once it has)."""
    scale = terms.scale
    years = years_left(terms.term, trading_day(now if row.status == OrderStatus.OPEN else row.updated_at))
    shown = None if row.price is None else figures(row.price, row.quantity, scale, years, bps)
    return Order(
        row.id,
        row.instrument_id,
        row.side,
        None if row.price is None else str(Money(row.price)),
        str(Quantity(row.quantity, scale)),
        str(Quantity(row.remaining, scale)),
        str(Quantity(row.filled, scale)),
        row.tif,
        row.expires_at,
        row.self_trade,
        OrderStatus(row.status),
        row.reason,
        row.created_at,
        row.updated_at,
        years,
        None if shown is None else shown.value,
        None if shown is None else shown.buyer_fee,
        None if shown is None else shown.seller_fee,
    )


async def submit(work: c.Work, market: Market, actor: c.Actor, entry: Entry, *, fees: Fees) -> Order:
    """Check, reserve, match and settle one order."""
    actor.require(*c.HOLDER_KINDS)
    terms = market.terms
    row = await _new_order(work, market, actor, entry)
    await market.open_for(work.session, work.now)
    order = engine_order(row)
    refusal = market.book.refusal(order)
    if refusal is not None:
        raise refused(refusal, terms, order, market.book.reference)
    # what its fills change is written once, as it stands when the batch is flushed: an account paid
    # and released, by this order and the rest of the batch, is one UPDATE, not one per step. So a
    # query in here does not see what the batch has not written: read what the transaction keeps
    # (locked rows, holdings) or flush first, as the freeze check and the issuance chosen do
    with work.session.no_autoflush:
        years = terms.years_at(work.now)
        if row.side == e.SELL:
            row.issuance_id, asset_class = await _delivering_issuance(
                work.session, terms, row, entry.issuance
            )
            await units.reserve(
                work,
                issuance_id=row.issuance_id,
                owner=actor.party_id,
                units=row.remaining,
                ref=row.id,
                asset_class=asset_class,
            )
        else:
            row.cash_per_lot = cash_per_lot(market, row.price, fees.bps, years)
            held = row.remaining // terms.rules.lot * row.cash_per_lot
            await cash.hold(work, party=actor.party_id, fen=held, ref=row.id, actor=actor.party_id)
        work.session.add(row)  # inserted before the fills that name it: the flush follows the keys
        locks.inserted(work.session, OrderRow, row.id, row)  # what fills it later in the batch reads none
        events = market.book.submit(
            row.id,
            row.party_id,
            row.side,
            row.remaining,
            row.price,
            tif=row.tif,
            expires=None if row.expires_at is None else micros(row.expires_at),
            self_trade=row.self_trade,
        )
        await apply(work, market, events, fees=fees, actor=actor.party_id)
    return view(row, terms, fees.bps, work.now)


async def _new_order(work: c.Work, market: Market, actor: c.Actor, entry: Entry) -> OrderRow:
    scale = market.terms.scale
    expires = _expiry(work.now, entry)
    quantity = Quantity.parse(entry.quantity, scale, field="quantity").units
    price = None if entry.price is None else Money.parse(entry.price, field="price").fen
    return OrderRow(
        id=work.new_id(),
        instrument_id=market.terms.instrument,
        party_id=actor.party_id,
        side=entry.side,
        price=price,
        quantity=quantity,
        remaining=quantity,
        filled=0,
        tif=entry.time_in_force,
        expires_at=expires,
        self_trade=entry.self_trade,
        issuance_id=None,
        cash_per_lot=0,
        status=OrderStatus.OPEN,
        reason=None,
        priority=market.next_priority(),
        created_at=work.now,
        updated_at=work.now,
    )


def _expiry(now: dt.datetime, entry: Entry) -> dt.datetime | None:
    if entry.time_in_force == TimeInForce.GTD:
        if entry.expires_at is None:
            raise ExpiryRequired("expires_at")
        if entry.expires_at <= now:
            raise NotInFuture("expires_at", moment=entry.expires_at.isoformat())
        return entry.expires_at
    if entry.expires_at is not None:
        raise ExpiryOnlyForGoodTillDate("expires_at", time_in_force=entry.time_in_force)
    return end_of_trading_day(now) if entry.time_in_force == TimeInForce.DAY else None


async def _delivering_issuance(
    session: AsyncSession, terms: Terms, order: OrderRow, named: int | None
) -> tuple[int, str | None]:
    """The issuance whose units a sell order delivers, with its asset class: the one named, else the
    seller's oldest issuance of this instrument with enough free units. One issuance per order keeps
    every trade one serial range family, traceable to its parcel or project.

    Which issuances the seller holds is asked once a batch (``units.issuances_held``); how many
    units of each are free is read from the holdings the transaction keeps (``units.free_units``)."""
    classes = await units.issuances_held(session, order.party_id, terms.instrument)
    holdings = {
        issuance: await units.free_units(session, issuance_id=issuance, owner=order.party_id)
        for issuance in classes
    }
    quantity = order.remaining

    def shown(count: int) -> str:
        return str(Quantity(count, terms.scale))

    if named is not None:
        if holdings.get(named, 0) < quantity:
            held = shown(holdings.get(named, 0))
            raise IssuanceHoldsTooFewUnits("issuance", issuance=named, free=held, needed=shown(quantity))
        return named, classes.get(named)  # none held: a zero quantity, which the engine refuses first
    for issuance, units_free in holdings.items():
        if units_free >= quantity:
            return issuance, classes[issuance]
    largest = max(holdings.values(), default=0)
    raise NoIssuanceHoldsEnough("quantity", needed=shown(quantity), largest=shown(largest))


async def owned_order(session: AsyncSession, actor: c.Actor, order_id: str) -> OrderRow:
    """An order its party (or a regulator) may act on or see; others learn nothing about it, not
    even that it exists."""
    row = await session.get(OrderRow, order_id)
    if row is None or not actor.may_see(row.party_id):
        raise NoSuchOrder("order", order=order_id)
    return row


async def list_orders(
    session: AsyncSession,
    actor: c.Actor,
    *,
    status: OrderStatus | None,
    after: str | None,
    limit: int,
    bps: int,
    now: dt.datetime,
) -> list[Order]:
    query = (
        select(OrderRow)
        .where(OrderRow.party_id == actor.party_id)
        .order_by(OrderRow.created_at.desc(), OrderRow.id.desc())
        .limit(limit)
    )
    if status is not None:
        query = query.where(OrderRow.status == status)
    if after is not None:  # newest first: continue below the last order of the previous page
        last = await session.get(OrderRow, after)
        if last is None or last.party_id != actor.party_id:
            raise UnknownCursor("cursor")
        query = query.where(
            (OrderRow.created_at < last.created_at)
            | ((OrderRow.created_at == last.created_at) & (OrderRow.id < last.id))
        )
    rows = list((await session.execute(query)).scalars())
    terms = {i: await terms_of(session, i) for i in {row.instrument_id for row in rows}}
    return [view(row, terms[row.instrument_id], bps, now) for row in rows]


async def cancel(work: c.Work, market: Market, actor: c.Actor, order_id: str, *, fees: Fees) -> Order:
    actor.require(*c.HOLDER_KINDS)
    row = await _own_order(work.session, actor, order_id)
    events = market.book.cancel(order_id)
    _raise_refusal(events, market, engine_order(row))
    await apply(work, market, events, fees=fees, actor=actor.party_id)
    return view(row, market.terms, fees.bps, work.now)


async def amend(
    work: c.Work,
    market: Market,
    actor: c.Actor,
    order_id: str,
    *,
    quantity: str,
    price: str | None,
    fees: Fees,
) -> Order:
    """Change the open quantity (and price); quantity down at the same price keeps the order's turn."""
    actor.require(*c.HOLDER_KINDS)
    row = await _own_order(work.session, actor, order_id)
    units_open = Quantity.parse(quantity, market.terms.scale, field="quantity").units
    await market.open_for(work.session, work.now)
    new_price = row.price if price is None else Money.parse(price, field="price").fen
    events = market.book.amend(order_id, units_open, new_price)
    asked = engine_order(row)
    asked.price, asked.quantity = new_price, units_open
    _raise_refusal(events, market, asked)
    await apply(work, market, events, fees=fees, actor=actor.party_id)
    return view(row, market.terms, fees.bps, work.now)


async def _own_order(session: AsyncSession, actor: c.Actor, order_id: str) -> OrderRow:
    """An order the actor's party entered: a regulator sees others' orders but changes none."""
    row = await owned_order(session, actor, order_id)
    if row.party_id != actor.party_id:
        raise NotTheOrdersParty("order")
    return row


def _raise_refusal(events: list[e.Event], market: Market, asked: e.Order) -> None:
    """Raise the engine's refusal of what was ``asked``, if it refused."""
    if events and events[0][0] == "rejected":
        raise refused(events[0][2], market.terms, asked, market.book.reference)
