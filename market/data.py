"""Public market data — depth, the trades tape, daily open/high/low/close/volume — and each party's
own fills. Read from the database, and depth from the books in memory as they were at their last
commit (``Exchange.published``): both show only what has been committed.

Public data names no party: the tape carries trade ids, prices, quantities and the aggressor's side.
"""

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, CompoundSelect, func, or_, select, union_all
from sqlalchemy.ext.asyncio import AsyncSession

from market import engine as e
from market.exchange import Exchange, Levels, Published, scales, terms_of
from market.pricing import CHINA_STANDARD_TIME, trading_day
from market.tables import BidRow, FillRow, ListingItemRow, MarketRulesRow, OfferRow, OrderRow, OrderStatus
from registry import context as c
from registry.quantities import Money, Quantity
from registry.tables import InstrumentRow


@dataclass(frozen=True, slots=True)
class Level:
    price: str
    quantity: str
    orders: int


@dataclass(frozen=True, slots=True)
class Depth:
    instrument: str
    bids: list[Level]  # best (highest) first
    asks: list[Level]  # best (lowest) first


@dataclass(frozen=True, slots=True)
class Print:
    id: int  # the tape's order; page with it
    trade: str
    price: str
    quantity: str
    aggressor: str | None  # the side that crossed the spread; None in a call auction
    at: dt.datetime


@dataclass(frozen=True, slots=True)
class Bar:
    day: dt.date  # trading day in China Standard Time
    open: str
    high: str
    low: str
    close: str
    volume: str
    value: str  # CNY
    trades: int


@dataclass(frozen=True, slots=True)
class OwnFill:
    id: int
    trade: str
    instrument: str
    order: str
    side: str
    price: str
    quantity: str
    value: str
    fee: str
    at: dt.datetime


def _price(fen: int) -> str:
    return str(Money(fen))


def depth_of(instrument_id: str, levels: Published, limit: int) -> Depth:
    """The first ``limit`` levels a side of what a book published: from memory, no database read."""

    def shown(side: Levels) -> list[Level]:
        return [Level(_price(p), str(Quantity(q, levels.scale)), n) for p, q, n in side[:limit]]

    return Depth(instrument_id, shown(levels.bids), shown(levels.asks))


def published_depth(exchange: Exchange, instrument_id: str, limit: int) -> Depth | None:
    """The depth of a book in memory, as its last batch committed it; None for a book not loaded, whose
    depth is the database's (``depth``). Market data reads memory first."""
    published = exchange.published(instrument_id)
    return None if published is None else depth_of(instrument_id, published, limit)


async def depth(session: AsyncSession, instrument_id: str, limit: int) -> Depth:
    """The depth as the database has it, for a book not in memory (``Exchange.published`` first)."""
    scale = (await terms_of(session, instrument_id)).scale
    query = (
        select(OrderRow.side, OrderRow.price, func.sum(OrderRow.remaining), func.count())
        .where(OrderRow.instrument_id == instrument_id, OrderRow.status == OrderStatus.OPEN)
        .group_by(OrderRow.side, OrderRow.price)
    )
    sides: dict[str, list[tuple[int, int, int]]] = {e.BUY: [], e.SELL: []}
    for side, price, quantity, count in (await session.execute(query)).all():
        assert price is not None  # market orders never rest
        sides[side].append((price, int(quantity), count))
    bids, asks = sorted(sides[e.BUY], reverse=True), sorted(sides[e.SELL])
    return depth_of(instrument_id, Published(scale, tuple(bids), tuple(asks)), limit)


async def tape(session: AsyncSession, instrument_id: str, *, after: int | None, limit: int) -> list[Print]:
    scale = (await terms_of(session, instrument_id)).scale
    query = select(FillRow).where(FillRow.instrument_id == instrument_id).order_by(FillRow.id).limit(limit)
    if after is not None:
        query = query.where(FillRow.id > after)
    return [_print(row, scale) for row in (await session.execute(query)).scalars()]


def _print(row: FillRow, scale: int) -> Print:
    return Print(
        row.id, row.trade_id, _price(row.price), str(Quantity(row.quantity, scale)), row.aggressor, row.at
    )


async def latest_prints(session: AsyncSession, instrument_id: str, limit: int) -> list[Print]:
    """The latest ``limit`` trades on the tape, newest first (the tape itself pages oldest first)."""
    scale = (await terms_of(session, instrument_id)).scale
    query = (
        select(FillRow).where(FillRow.instrument_id == instrument_id).order_by(FillRow.id.desc()).limit(limit)
    )
    return [_print(row, scale) for row in (await session.execute(query)).scalars()]


async def daily_bars(
    session: AsyncSession, instrument_id: str, *, since: dt.date | None, until: dt.date | None
) -> list[Bar]:
    """One bar per trading day with trades, oldest first."""
    scale = (await terms_of(session, instrument_id)).scale
    query = (
        select(FillRow.price, FillRow.quantity, FillRow.value, FillRow.at)
        .where(FillRow.instrument_id == instrument_id)
        .order_by(FillRow.id)
    )
    if since is not None:
        query = query.where(FillRow.at >= _day_start(since))
    if until is not None:
        query = query.where(FillRow.at < _day_start(until + dt.timedelta(days=1)))
    days: dict[dt.date, list[tuple[int, int, int]]] = {}
    for price, quantity, value, at in (await session.execute(query)).all():
        days.setdefault(trading_day(at), []).append((price, quantity, value))
    return [
        Bar(
            day,
            _price(fills[0][0]),
            _price(max(p for p, _, _ in fills)),
            _price(min(p for p, _, _ in fills)),
            _price(fills[-1][0]),
            str(Quantity(sum(q for _, q, _ in fills), scale)),
            _price(sum(v for _, _, v in fills)),
            len(fills),
        )
        for day, fills in days.items()
    ]


def _day_start(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), CHINA_STANDARD_TIME).astimezone(dt.UTC)


async def last_price(session: AsyncSession, instrument_id: str) -> int | None:
    query = (
        select(FillRow.price)
        .where(FillRow.instrument_id == instrument_id)
        .order_by(FillRow.id.desc())
        .limit(1)
    )
    return (await session.execute(query)).scalar()


async def own_fills(session: AsyncSession, actor: c.Actor, *, after: int | None, limit: int) -> list[OwnFill]:
    """The actor's party's fills on either side, with its own fee."""
    return await _own_fills(session, actor, None if after is None else FillRow.id > after, limit)


async def traded_issuance(session: AsyncSession, trade_id: str) -> int | None:
    """The right a ``trade.settled`` delivered, whichever way it was struck: on the book (the sell
    order's), by a negotiated offer, or by a listing of one item. A package's trade is a
    ``package.settled`` of several rights, which this does not name."""
    query: CompoundSelect[Any] = union_all(
        select(OrderRow.issuance_id)
        .join(FillRow, FillRow.sell_order_id == OrderRow.id)
        .where(FillRow.trade_id == trade_id),
        select(OfferRow.issuance_id).where(OfferRow.trade_id == trade_id),
        select(ListingItemRow.issuance_id)
        .join(BidRow, BidRow.listing_id == ListingItemRow.listing_id)
        .where(BidRow.trade_id == trade_id),
    )
    found: int | None = (await session.execute(query)).scalar()
    return found


async def _own_fills(
    session: AsyncSession, actor: c.Actor, narrowed: ColumnElement[bool] | None, limit: int
) -> list[OwnFill]:
    buy, sell = OrderRow.__table__.alias("buy"), OrderRow.__table__.alias("sell")
    query = (
        select(FillRow, buy.c.party_id, sell.c.party_id)
        .join(buy, buy.c.id == FillRow.buy_order_id)
        .join(sell, sell.c.id == FillRow.sell_order_id)
        .where(or_(buy.c.party_id == actor.party_id, sell.c.party_id == actor.party_id))
        .order_by(FillRow.id)
        .limit(limit)
    )
    if narrowed is not None:
        query = query.where(narrowed)
    rows = (await session.execute(query)).all()
    scale_of = await scales(session, {fill.instrument_id for fill, _, _ in rows})
    found: list[OwnFill] = []
    for fill, buyer, _seller in rows:
        bought = buyer == actor.party_id
        found.append(
            OwnFill(
                fill.id,
                fill.trade_id,
                fill.instrument_id,
                fill.buy_order_id if bought else fill.sell_order_id,
                e.BUY if bought else e.SELL,
                _price(fill.price),
                str(Quantity(fill.quantity, scale_of[fill.instrument_id])),
                _price(fill.value),
                _price(fill.buyer_fee if bought else fill.seller_fee),
                fill.at,
            )
        )
    return found


@dataclass(frozen=True, slots=True)
class Summary:
    instrument: str
    symbol: str
    asset_class: str
    best_bid: str | None
    best_ask: str | None
    last: str | None
    halted: bool


async def markets(session: AsyncSession, exchange: Exchange, asset_class: str | None) -> list[Summary]:
    """Every instrument that has a book (orders or rules), with its best prices (from the book in
    memory, as last committed, where it is there) and last trade."""
    booked = select(OrderRow.instrument_id).union(select(MarketRulesRow.instrument_id)).subquery()
    query = select(InstrumentRow).where(InstrumentRow.id.in_(select(booked))).order_by(InstrumentRow.symbol)
    if asset_class is not None:
        query = query.where(InstrumentRow.asset_class == asset_class)
    found = []
    for instrument in (await session.execute(query)).scalars():
        published = exchange.published(instrument.id)
        top = depth_of(instrument.id, published, 1) if published else await depth(session, instrument.id, 1)
        last = await last_price(session, instrument.id)
        found.append(
            Summary(
                instrument.id,
                instrument.symbol,
                instrument.asset_class,
                top.bids[0].price if top.bids else None,
                top.asks[0].price if top.asks else None,
                None if last is None else _price(last),
                (await terms_of(session, instrument.id)).halted,
            )
        )
    return found
