"""The books in memory, one per instrument, each with one writer at a time (``Exchange.writer``).

The database is the truth: a book is built from the open orders in their time priority, on first use
after a start, after any failed transaction and after its rules change, by the same code (``rebuild``).
"""

import asyncio
import contextlib
import datetime as dt
from collections.abc import AsyncIterator
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from market import engine as e
from market.errors import UnknownInstrument
from market.pricing import term_years
from market.tables import MarketRulesRow, OrderRow, OrderStatus
from registry.assets import AssetClass, get_asset_class
from registry.tables import InstrumentRow, IssuanceRow

DEFAULT_RULES = e.Rules(tick=1, lot=1, min_quantity=1, max_quantity=2**53 - 1, band_bps=None)


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


async def terms_of(session: AsyncSession, instrument_id: str) -> Terms:
    instrument = await session.get(InstrumentRow, instrument_id)
    if instrument is None:
        raise UnknownInstrument("instrument", instrument=instrument_id)
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
    stale: bool = False  # the database has changed under it (its rules): rebuilt after this writer

    def next_priority(self) -> int:
        self.priority += 1
        return self.priority

    def invalidate(self) -> None:
        """Have the book rebuilt from the database once its writer is done with it."""
        self.stale = True


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
        hold changes the database does not, so it is dropped and rebuilt from the database; so is a
        book its writer invalidated."""
        lock = self._locks.setdefault(instrument_id, asyncio.Lock())
        async with lock:
            market = self._markets.get(instrument_id)
            if market is None:
                async with reads() as session:
                    market = self._markets[instrument_id] = await rebuild(session, instrument_id)
            try:
                yield market
            except BaseException:
                self._markets.pop(instrument_id, None)
                raise
            if market.stale:
                self._markets.pop(instrument_id, None)


async def rebuild(session: AsyncSession, instrument_id: str) -> Market:
    """The book as the database has it: the open orders, each in its turn, with what remains."""
    terms = await terms_of(session, instrument_id)
    book = e.Book(terms.rules, terms.reference, open_=not terms.halted)
    query = (
        select(OrderRow)
        .where(OrderRow.instrument_id == instrument_id, OrderRow.status == OrderStatus.OPEN)
        .order_by(OrderRow.priority)
    )
    for row in (await session.execute(query)).scalars():
        book.restore(engine_order(row))
    last = select(func.max(OrderRow.priority)).where(OrderRow.instrument_id == instrument_id)
    return Market(terms, book, (await session.execute(last)).scalar() or 0)


def engine_order(row: OrderRow) -> e.Order:
    expires = micros(row.expires_at) if row.expires_at is not None else None
    return e.Order(row.id, row.party_id, row.side, row.price, row.remaining, row.tif, expires, row.self_trade)


async def instruments_with_open_orders(session: AsyncSession) -> list[str]:
    """The books to build before the first request."""
    query = select(OrderRow.instrument_id).where(OrderRow.status == OrderStatus.OPEN).distinct()
    return list((await session.execute(query)).scalars())
