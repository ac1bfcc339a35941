"""The order service: orders enter an instrument's book with what they promise set aside — a sell's
units, a buy's cash — and every fill settles delivery versus payment in the same transaction as the
new state of both orders.

The books live in memory, one per instrument, each with one writer at a time (``Exchange.writer``).
The database is the truth: a book is built from the open orders in their time priority, on first use
after a start and again after any failed transaction, by the same code (``Exchange.rebuild``).
"""

import asyncio
import contextlib
import datetime as dt
from collections.abc import AsyncIterator
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from market import engine as e
from market.pricing import fee, hold_per_lot, term_years, trade_value
from market.tables import FillRow, MarketRulesRow, OrderRow
from registry import blocks as b
from registry import cash, units
from registry import context as c
from registry import events as ev
from registry.assets import AssetClass, get_asset_class
from registry.cash import CNY_SCALE
from registry.errors import Conflict, Forbidden, InsufficientUnits, InvalidInput, NotFound
from registry.quantities import format_units, parse_units
from registry.tables import BlockRow, InstrumentRow, IssuanceRow
from settlement.dvp import Trade, settle

OPEN, FILLED, CANCELLED, EXPIRED = "open", "filled", "cancelled", "expired"
CHINA_STANDARD_TIME = dt.timezone(dt.timedelta(hours=8), "CST")  # a trading day ends at midnight here
DEFAULT_RULES = e.Rules(tick=1, lot=1, min_quantity=1, max_quantity=2**53 - 1, band_bps=None)


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
    status: str
    reason: str | None
    created_at: dt.datetime
    updated_at: dt.datetime


@dataclass(frozen=True, slots=True)
class Terms:
    """What a book needs to know about its instrument to price and settle."""

    instrument: str
    scale: int
    years: int
    rules: e.Rules
    reference: int | None
    halted: bool


def micros(moment: dt.datetime) -> int:
    """The engine's clock: microseconds since the epoch."""
    return (moment - dt.datetime(1970, 1, 1, tzinfo=dt.UTC)) // dt.timedelta(microseconds=1)


def end_of_trading_day(now: dt.datetime) -> dt.datetime:
    local = now.astimezone(CHINA_STANDARD_TIME)
    midnight = dt.datetime.combine(local.date() + dt.timedelta(days=1), dt.time(), CHINA_STANDARD_TIME)
    return midnight.astimezone(dt.UTC)


async def terms_of(session: AsyncSession, instrument_id: str) -> Terms:
    instrument = await session.get(InstrumentRow, instrument_id)
    if instrument is None:
        raise NotFound("instrument", f"no instrument {instrument_id}")
    cls = await get_asset_class(session, instrument.asset_class)
    sample = (
        await session.execute(select(IssuanceRow).where(IssuanceRow.instrument_id == instrument_id).limit(1))
    ).scalar_one()
    row = await session.get(MarketRulesRow, instrument_id)
    if row is None:
        return Terms(instrument_id, cls.scale, _years(cls, sample), DEFAULT_RULES, None, False)
    rules = e.Rules(row.tick, row.lot, row.min_quantity, row.max_quantity, row.band_bps)
    return Terms(instrument_id, cls.scale, _years(cls, sample), rules, row.reference_price, row.halted)


async def scales(session: AsyncSession, instruments: set[str]) -> dict[str, int]:
    """The scale of each instrument, looked up once each however many rows name it."""
    return {instrument: (await terms_of(session, instrument)).scale for instrument in instruments}


def _years(cls: AssetClass, issuance: IssuanceRow) -> int:
    return term_years(cls.price_basis, issuance.attributes)


@dataclass(slots=True)
class Market:
    """One instrument's book, what it trades under, and the last time priority handed out."""

    terms: Terms
    book: e.Book
    priority: int

    def next_priority(self) -> int:
        self.priority += 1
        return self.priority


class Exchange:
    """The books, one writer per instrument."""

    def __init__(self) -> None:
        self._markets: dict[str, Market] = {}
        self._locks: dict[str, asyncio.Lock] = {}
        self.fee_account: str | None = None  # the platform's party, which collects the fees

    @contextlib.asynccontextmanager
    async def writer(
        self, reads: async_sessionmaker[AsyncSession], instrument_id: str
    ) -> AsyncIterator[Market]:
        """Hold the instrument's book for one transaction. If the transaction fails, the book may
        hold changes the database does not, so it is dropped and rebuilt from the database."""
        lock = self._locks.setdefault(instrument_id, asyncio.Lock())
        async with lock:
            market = self._markets.get(instrument_id)
            if market is None:
                async with reads() as session:
                    market = self._markets[instrument_id] = await rebuild(session, instrument_id)
            try:
                yield market
            except BaseException:
                self.forget(instrument_id)
                raise

    def forget(self, instrument_id: str) -> None:
        """Drop a book, so that its next writer rebuilds it from the database."""
        self._markets.pop(instrument_id, None)


async def rebuild(session: AsyncSession, instrument_id: str) -> Market:
    """The book as the database has it: the open orders, each in its turn, with what remains."""
    terms = await terms_of(session, instrument_id)
    book = e.Book(terms.rules, terms.reference, open_=not terms.halted)
    query = (
        select(OrderRow)
        .where(OrderRow.instrument_id == instrument_id, OrderRow.status == OPEN)
        .order_by(OrderRow.priority)
    )
    for row in (await session.execute(query)).scalars():
        book.restore(_engine_order(row))
    last = select(func.max(OrderRow.priority)).where(OrderRow.instrument_id == instrument_id)
    return Market(terms, book, (await session.execute(last)).scalar() or 0)


def _engine_order(row: OrderRow) -> e.Order:
    expires = micros(row.expires_at) if row.expires_at is not None else None
    return e.Order(row.id, row.party_id, row.side, row.price, row.remaining, row.tif, expires, row.self_trade)


def view(row: OrderRow, scale: int) -> Order:
    return Order(
        row.id,
        row.instrument_id,
        row.side,
        None if row.price is None else format_units(row.price, CNY_SCALE),
        format_units(row.quantity, scale),
        format_units(row.remaining, scale),
        format_units(row.filled, scale),
        row.tif,
        row.expires_at,
        row.self_trade,
        row.status,
        row.reason,
        row.created_at,
        row.updated_at,
    )


@dataclass(frozen=True, slots=True)
class Fees:
    bps: int  # per side
    account: str  # the platform party that collects them


@dataclass(frozen=True, slots=True)
class Entry:
    """An order as its party enters it, in display units."""

    side: str
    quantity: str
    price: str | None
    time_in_force: str = e.GTC
    expires_at: dt.datetime | None = None
    self_trade: str = e.CANCEL_NEWEST
    issuance: int | None = None  # which of the seller's issuances delivers; the oldest that can by default


async def submit(work: c.Work, market: Market, actor: c.Actor, entry: Entry, *, fees: Fees) -> Order:
    """Check, reserve, match and settle one order."""
    actor.require(*c.HOLDER_KINDS)
    terms = market.terms
    row = await _new_order(work, market, actor, entry)
    refusal = market.book.refusal(_engine_order(row))
    if refusal is not None:
        raise _refused(refusal, terms)
    if row.side == e.SELL:
        row.issuance_id = await _delivering_issuance(work.session, terms, row, entry.issuance)
        await units.reserve(
            work, issuance_id=row.issuance_id, owner=actor.party_id, units=row.remaining, ref=row.id
        )
    else:
        row.cash_per_lot = _cash_per_lot(market, row.price, fees.bps)
        held = row.remaining // terms.rules.lot * row.cash_per_lot
        await cash.hold(work, party=actor.party_id, fen=held, ref=row.id, actor=actor.party_id)
    work.session.add(row)
    await work.session.flush()
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
    return view(row, terms.scale)


async def _new_order(work: c.Work, market: Market, actor: c.Actor, entry: Entry) -> OrderRow:
    scale = market.terms.scale
    if entry.side not in (e.BUY, e.SELL):
        raise InvalidInput("side", "side is buy or sell")
    if entry.time_in_force not in e.TIME_IN_FORCE:
        raise InvalidInput("time_in_force", f"time in force is one of {', '.join(e.TIME_IN_FORCE)}")
    if entry.self_trade not in e.SELF_TRADE:
        raise InvalidInput("self_trade", f"self-trade prevention is one of {', '.join(e.SELF_TRADE)}")
    expires = _expiry(work.now, entry)
    quantity = parse_units(entry.quantity, scale, field="quantity")
    price = None if entry.price is None else parse_units(entry.price, CNY_SCALE, field="price")
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
        status=OPEN,
        reason=None,
        priority=market.next_priority(),
        created_at=work.now,
        updated_at=work.now,
    )


def _expiry(now: dt.datetime, entry: Entry) -> dt.datetime | None:
    if entry.time_in_force == e.GTD:
        if entry.expires_at is None or entry.expires_at <= now:
            raise InvalidInput("expires_at", "a GTD order needs an expiry in the future")
        return entry.expires_at
    if entry.expires_at is not None:
        raise InvalidInput("expires_at", "only a GTD order takes an expiry; a DAY order ends with the day")
    return end_of_trading_day(now) if entry.time_in_force == e.DAY else None


def _cash_per_lot(market: Market, price: int | None, bps: int) -> int:
    """A limit buy holds at its limit; a market buy at the top of the band it may trade in."""
    terms = market.terms
    if price is None:
        if terms.rules.band_bps is None or terms.reference is None:
            raise InvalidInput(
                "price", "this instrument has no price band, so a market buy has no limit: give a price"
            )
        price = market.book.band()[1]
    return hold_per_lot(price, terms.rules.lot, terms.scale, terms.years, bps)


async def _delivering_issuance(
    session: AsyncSession, terms: Terms, order: OrderRow, named: int | None
) -> int:
    """The issuance whose units a sell order delivers: the one named, else the seller's oldest
    issuance of this instrument with enough free units. One issuance per order keeps every trade
    one serial range family, traceable to its parcel or project."""
    free = func.sum(BlockRow.last - BlockRow.first + 1)
    query = (
        select(BlockRow.issuance_id, free)
        .join(IssuanceRow, IssuanceRow.id == BlockRow.issuance_id)
        .where(
            IssuanceRow.instrument_id == terms.instrument,
            BlockRow.owner_id == order.party_id,
            BlockRow.state == b.ACTIVE,
        )
        .group_by(BlockRow.issuance_id)
        .order_by(BlockRow.issuance_id)
    )
    holdings = {issuance: int(units) for issuance, units in (await session.execute(query)).all()}
    quantity = order.remaining

    def shown(units: int) -> str:
        return format_units(units, terms.scale)

    if named is not None:
        if holdings.get(named, 0) < quantity:
            raise InsufficientUnits(
                "issuance",
                f"you hold {shown(holdings.get(named, 0))} free units of this instrument in issuance "
                f"{named}; the order needs {shown(quantity)}",
            )
        return named
    for issuance, units_free in holdings.items():
        if units_free >= quantity:
            return issuance
    largest = max(holdings.values(), default=0)
    raise InsufficientUnits(
        "quantity",
        f"no issuance of yours holds {shown(quantity)} free units of this instrument "
        f"(the largest holds {shown(largest)}); a sell order delivers from one issuance",
    )


def _refused(reason: str, terms: Terms) -> Exception:
    """The engine's refusal as the user's error, in CNY and display units rather than ticks of fen
    and base units."""
    rules = terms.rules

    def cny(fen: int) -> str:
        return format_units(fen, CNY_SCALE)

    def units(n: int) -> str:
        return format_units(n, terms.scale)

    low, high = e.price_band(rules, terms.reference) or (rules.tick, 0)
    known: tuple[tuple[str, type[Conflict | InvalidInput], str, str], ...] = (
        ("halted", Conflict, "instrument", f"the instrument is halted: {reason.partition(': ')[2]}"),
        (
            "price must",
            InvalidInput,
            "price",
            f"the price must be a multiple of the tick, {cny(rules.tick)} CNY",
        ),
        (
            "price is outside",
            InvalidInput,
            "price",
            f"the price is outside the band, {cny(low)} to {cny(high)} CNY",
        ),
        (
            "quantity is not",
            InvalidInput,
            "quantity",
            f"the quantity must be whole lots of {units(rules.lot)}",
        ),
        (
            "quantity must",
            InvalidInput,
            "quantity",
            f"the quantity must be between {units(rules.min_quantity)} and {units(rules.max_quantity)}",
        ),
        ("no such open order", Conflict, "order", "the order is no longer open"),
    )
    for prefix, error, field, message in known:
        if reason.startswith(prefix):
            return error(field, message)
    return InvalidInput(None, reason)


async def apply(work: c.Work, market: Market, events: list[e.Event], *, fees: Fees, actor: str) -> None:
    """Make the engine's events true in the database: fills settle, cancels release."""
    rows: dict[str, OrderRow] = {}

    async def order(order_id: str) -> OrderRow:
        if order_id not in rows:
            found = await work.session.get(OrderRow, order_id, with_for_update=True)
            assert found is not None, f"the book holds order {order_id} that the database does not"
            rows[order_id] = found
        return rows[order_id]

    for event in events:
        kind = event[0]
        if kind == "rejected":
            raise _refused(event[2], market.terms)
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
    value = trade_value(price, quantity, terms.scale, terms.years)
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
            row.status = FILLED
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
        row.status = EXPIRED if reason == "expired" else CANCELLED
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
        row.cash_per_lot = _cash_per_lot(market, price, fees.bps)
        held = quantity // market.terms.rules.lot * row.cash_per_lot
        await cash.hold(work, party=row.party_id, fen=held, ref=row.id, actor=actor)
    row.price, row.quantity, row.remaining = price, row.filled + quantity, quantity
    row.updated_at = work.now
    row.priority = market.next_priority()


async def owned_order(session: AsyncSession, actor: c.Actor, order_id: str) -> OrderRow:
    """An order its party (or a regulator) may act on or see; others learn nothing about it."""
    row = await session.get(OrderRow, order_id)
    if row is None:
        raise NotFound("order", f"no order {order_id}")
    if not actor.may_see(row.party_id):
        raise Forbidden("order", "this order belongs to another party")
    return row


async def list_orders(
    session: AsyncSession, actor: c.Actor, *, status: str | None, after: str | None, limit: int
) -> list[Order]:
    if status not in (None, OPEN, FILLED, CANCELLED, EXPIRED):
        raise InvalidInput("status", "status is one of open, filled, cancelled, expired")
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
            raise InvalidInput("cursor", "not a cursor this API gave out")
        query = query.where(
            (OrderRow.created_at < last.created_at)
            | ((OrderRow.created_at == last.created_at) & (OrderRow.id < last.id))
        )
    rows = list((await session.execute(query)).scalars())
    scale = await scales(session, {row.instrument_id for row in rows})
    return [view(row, scale[row.instrument_id]) for row in rows]


async def cancel(work: c.Work, market: Market, actor: c.Actor, order_id: str, *, fees: Fees) -> Order:
    actor.require(*c.HOLDER_KINDS)
    row = await owned_order(work.session, actor, order_id)
    if row.party_id != actor.party_id:
        raise Forbidden("order", "only the party that entered an order may cancel it")
    await apply(work, market, market.book.cancel(order_id), fees=fees, actor=actor.party_id)
    return view(row, market.terms.scale)


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
    row = await owned_order(work.session, actor, order_id)
    if row.party_id != actor.party_id:
        raise Forbidden("order", "only the party that entered an order may amend it")
    units_open = parse_units(quantity, market.terms.scale, field="quantity")
    new_price = None if price is None else parse_units(price, CNY_SCALE, field="price")
    events = market.book.amend(order_id, units_open, new_price)
    await apply(work, market, events, fees=fees, actor=actor.party_id)
    return view(row, market.terms.scale)


async def expire_due(work: c.Work, market: Market, *, fees: Fees) -> int:
    """Cancel the book's DAY and GTD orders that are due, releasing what they hold."""
    events = market.book.expire(micros(work.now))
    await apply(work, market, events, fees=fees, actor=ev.SYSTEM)
    return len(events)


async def instruments_with_due_orders(session: AsyncSession, now: dt.datetime) -> list[str]:
    query = (
        select(OrderRow.instrument_id).where(OrderRow.status == OPEN, OrderRow.expires_at <= now).distinct()
    )
    return list((await session.execute(query)).scalars())


async def instruments_with_open_orders(session: AsyncSession) -> list[str]:
    query = select(OrderRow.instrument_id).where(OrderRow.status == OPEN).distinct()
    return list((await session.execute(query)).scalars())
