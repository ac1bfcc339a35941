"""The books in memory, one per instrument, changed only by the sequencer (``market.sequencer``).

The database is the truth: a book is built from the open orders in their time priority, on first use
after a start, after any failed transaction and after its rules change, by the same code (``rebuild``).
"""

import datetime as dt
from dataclasses import dataclass, replace

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from market import engine as e
from market.errors import NoPriceBand, UnknownInstrument
from market.pricing import CHINA_STANDARD_TIME, term_of, trading_day, years_left
from market.tables import ClassBandRow, FillRow, MarketRulesRow, OrderRow, OrderStatus
from registry.assets import get_asset_class
from registry.rights import TermOver
from registry.tables import InstrumentRow, IssuanceRow

DEFAULT_RULES = e.Rules(tick=1, lot=1, min_quantity=1, max_quantity=2**53 - 1, band_bps=None)


def years_at(term: tuple[dt.date, dt.date] | None, moment: dt.datetime, *, field: str) -> int:
    """The years a trade settling at ``moment`` is worth; a permit whose term is over trades no more
    (refused naming ``field``)."""
    years = years_left(term, trading_day(moment))
    if years == 0:
        assert term is not None
        raise TermOver(field, term_end=term[1].isoformat())
    return years


@dataclass(frozen=True, slots=True)
class Terms:
    """What a book needs to know about its instrument to price and settle."""

    instrument: str
    scale: int
    term: tuple[dt.date, dt.date] | None  # what a unit_year price (元/吨·年) counts the years of
    rules: e.Rules  # its band: the instrument's own, else its asset class's default
    reference: int | None  # the registrar's reference price
    halted: bool
    reference_set_at: dt.datetime | None = None  # when the registrar set it

    def years_at(self, moment: dt.datetime) -> int:
        """The years a trade on this book settling at ``moment`` is worth (1 unless priced per year)."""
        return years_at(self.term, moment, field="instrument")


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
    term = term_of(cls.price_basis, sample.attributes)  # one term per instrument: the key names it
    row = await session.get(MarketRulesRow, instrument_id)
    band = await class_band(session, cls.code) if row is None or row.band_bps is None else row.band_bps
    if row is None:
        return Terms(instrument_id, cls.scale, term, replace(DEFAULT_RULES, band_bps=band), None, False)
    rules = e.Rules(row.tick, row.lot, row.min_quantity, row.max_quantity, band)
    return Terms(instrument_id, cls.scale, term, rules, row.reference_price, row.halted, row.reference_set_at)


async def class_band(session: AsyncSession, asset_class: str) -> int | None:
    """The band (basis points) an instrument of ``asset_class`` trades in until its own is set."""
    row = await session.get(ClassBandRow, asset_class)
    return None if row is None else row.band_bps


async def scales(session: AsyncSession, instruments: set[str]) -> dict[str, int]:
    """The scale of each instrument, looked up once each however many rows name it."""
    return {instrument: (await terms_of(session, instrument)).scale for instrument in instruments}


async def last_close(
    session: AsyncSession, instrument_id: str, day: dt.date
) -> tuple[int, dt.datetime] | None:
    """The price and time of the instrument's last trade before ``day`` (China Standard Time): the
    close of the latest trading day before it."""
    opens = dt.datetime.combine(day, dt.time(), CHINA_STANDARD_TIME)
    query = (
        select(FillRow.price, FillRow.at)
        .where(FillRow.instrument_id == instrument_id, FillRow.at < opens)
        .order_by(FillRow.id.desc())
        .limit(1)
    )
    found = (await session.execute(query)).first()
    return None if found is None else (found[0], found[1])


async def reference_on(session: AsyncSession, terms: Terms, day: dt.date) -> int | None:
    """The price the band is centred on during ``day``: the registrar's reference price until the
    instrument closes a trading day after it was set, then the last close — as an exchange opens a
    new listing at its reference price (挂牌基准价) and bands each later day around the previous
    close; setting a reference again re-centres the band at once."""
    close = await last_close(session, terms.instrument, day)
    if close is None or (terms.reference_set_at is not None and terms.reference_set_at > close[1]):
        return terms.reference
    return close[0]


@dataclass(slots=True)
class Market:
    """One instrument's book, what it trades under, and the last time priority handed out."""

    terms: Terms
    book: e.Book
    priority: int
    stale: bool = False  # the database has changed under it (its rules): rebuilt after this writer
    day: dt.date | None = None  # the trading day its band is centred for (the same all day)

    def next_priority(self) -> int:
        self.priority += 1
        return self.priority

    def invalidate(self) -> None:
        """Have the book rebuilt from the database once its writer is done with it."""
        self.stale = True

    async def open_for(self, session: AsyncSession, moment: dt.datetime) -> None:
        """Centre the band for ``moment``'s trading day, before an order is checked against it; with
        no band or no reference price yet the instrument takes no orders: the registrar sets its
        reference price first (PUT /market/{instrument}/rules), as an exchange sets a new listing's."""
        day = trading_day(moment)
        if self.day != day:
            reference = await reference_on(session, self.terms, day)
            if reference is not None and reference != self.book.reference:
                self.book.set_reference(reference)
            self.day = day
        if self.terms.rules.band_bps is None or self.book.reference is None:
            raise NoPriceBand("price", instrument=self.terms.instrument)


Levels = tuple[tuple[int, int, int], ...]  # price, quantity, orders: best first


@dataclass(frozen=True, slots=True)
class Published:
    """A book's price levels as of the last commit that touched it (``MAX_LEVELS`` a side)."""

    scale: int
    bids: Levels
    asks: Levels


MAX_LEVELS = 100


def _levels(side: e.Side) -> Levels:
    prices = side.prices[::-1] if side.buy else side.prices
    return tuple((p, side.levels[p].volume, side.levels[p].count) for p in prices[:MAX_LEVELS])


class Exchange:
    """The books, and what each published at its last commit."""

    def __init__(self) -> None:
        self._markets: dict[str, Market] = {}
        self._published: dict[str, Published] = {}
        self.fee_account: str | None = None  # the platform's party, which collects the fees

    async def market(self, session: AsyncSession, instrument_id: str) -> Market:
        """The instrument's book, built from what ``session`` sees if it is not in memory or its
        rules changed: its writer's transaction, so a book built mid-batch holds the batch so far."""
        market = self._markets.get(instrument_id)
        if market is None or market.stale:
            market = self._markets[instrument_id] = await rebuild(session, instrument_id)
        return market

    def drop(self, instrument_id: str) -> None:
        """Forget a book that may hold what its database does not: rebuilt when next used."""
        self._markets.pop(instrument_id, None)
        self._published.pop(instrument_id, None)

    def publish(self, instrument_id: str) -> None:
        """Once a batch has committed: what the book holds is durable, so readers may see it."""
        market = self._markets.get(instrument_id)
        if market is None or market.stale:
            self.drop(instrument_id)
            return
        book = market.book
        self._published[instrument_id] = Published(market.terms.scale, _levels(book.bids), _levels(book.asks))

    def published(self, instrument_id: str) -> Published | None:
        """The instrument's levels as last committed, if its book is in memory."""
        return self._published.get(instrument_id)


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
