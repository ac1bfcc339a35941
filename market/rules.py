"""Market rules per instrument, set by the registrar or a regulator: tick, lot, order size limits, the
price band around a reference price, and halting and resuming trading (resumption opens with a call
auction, 集合竞价).

Every instrument has a band: its own, else its asset class's default (``class_bands``). The band is
centred on the registrar's reference price until a trading day closes after it was set, then on the
last close (the price of the last trade before the trading day); an instrument with neither takes no
orders until the registrar sets a reference price, as an exchange sets a new listing's (挂牌基准价).
"""

import datetime as dt
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from market.engine import price_band
from market.errors import (
    BandOutOfRange,
    InstrumentAlreadyHalted,
    InstrumentNotHalted,
    LotNotPositive,
    MinimumOffLot,
    ReferencePriceOffTick,
    SizeLimitsOutOfOrder,
    TickNotPositive,
)
from market.exchange import DEFAULT_RULES, Market, reference_on, terms_of
from market.execution import Fees, apply
from market.pricing import trading_day
from market.tables import MarketRulesRow
from registry import context as c
from registry.quantities import MAX_UNITS, Money, Quantity

MAX_BAND_BPS = 10_000


@dataclass(frozen=True, slots=True)
class RulesView:
    instrument: str
    tick: str
    lot: str
    min_quantity: str
    max_quantity: str
    band_bps: int | None  # the instrument's own, else its asset class's default
    reference_price: str | None  # today's: the registrar's, or a later close
    band: list[str] | None  # [lowest, highest]: the prices a limit order may have now
    halted: bool


@dataclass(frozen=True, slots=True)
class RulesChange:
    """New rules in display units; a field left None keeps its value."""

    tick: str | None = None
    lot: str | None = None
    min_quantity: str | None = None
    max_quantity: str | None = None
    band_bps: int | None = None
    reference_price: str | None = None


async def rules_of(session: AsyncSession, instrument_id: str, now: dt.datetime) -> RulesView:
    """The rules an order entered at ``now`` is checked against."""
    terms = await terms_of(session, instrument_id)
    rules = terms.rules
    reference = await reference_on(session, terms, trading_day(now))

    def units(n: int) -> str:
        return str(Quantity(n, terms.scale))

    band = price_band(rules, reference)
    return RulesView(
        instrument_id,
        str(Money(rules.tick)),
        units(rules.lot),
        units(rules.min_quantity),
        units(rules.max_quantity),
        rules.band_bps,
        None if reference is None else str(Money(reference)),
        None if band is None else [str(Money(band[0])), str(Money(band[1]))],
        terms.halted,
    )


async def _rules_row(work: c.Work, market: Market) -> MarketRulesRow:
    row = await work.session.get(MarketRulesRow, market.terms.instrument, with_for_update=True)
    if row is None:
        d = DEFAULT_RULES
        row = MarketRulesRow(
            instrument_id=market.terms.instrument,
            tick=d.tick,
            lot=d.lot,
            min_quantity=d.min_quantity,
            max_quantity=d.max_quantity,
            band_bps=d.band_bps,
            reference_price=None,
            halted=False,
            updated_at=work.now,
            reference_set_at=None,
        )
        work.session.add(row)
    return row


async def change_rules(work: c.Work, market: Market, actor: c.Actor, change: RulesChange) -> RulesView:
    """New rules apply to orders entered from now on; resting orders keep their place. The book is
    rebuilt under them once this transaction is done with it."""
    actor.require(c.PartyKind.REGISTRAR, c.PartyKind.REGULATOR)
    row = await _rules_row(work, market)
    scale = market.terms.scale
    if change.tick is not None:
        row.tick = Money.parse(change.tick, field="tick").fen
    for name, value in (
        ("lot", change.lot),
        ("min_quantity", change.min_quantity),
        ("max_quantity", change.max_quantity),
    ):
        if value is not None:
            setattr(row, name, Quantity.parse(value, scale, field=name).units)
    if change.reference_price is not None:
        row.reference_price = Money.parse(change.reference_price, field="reference_price").fen
        row.reference_set_at = work.now
    if change.band_bps is not None:
        if not 0 < change.band_bps < MAX_BAND_BPS:
            raise BandOutOfRange("band_bps", band_bps=change.band_bps)
        row.band_bps = change.band_bps
    _check(row, scale)
    row.updated_at = work.now
    await work.session.flush()
    market.invalidate()
    return await rules_of(work.session, market.terms.instrument, work.now)


def _check(row: MarketRulesRow, scale: int) -> None:
    def units(n: int) -> str:
        return str(Quantity(n, scale))

    if row.tick <= 0:
        raise TickNotPositive("tick")
    if row.lot <= 0:
        raise LotNotPositive("lot")
    if not 0 < row.min_quantity <= row.max_quantity <= MAX_UNITS:
        raise SizeLimitsOutOfOrder(
            "min_quantity", minimum=units(row.min_quantity), maximum=units(row.max_quantity)
        )
    if row.min_quantity % row.lot:
        raise MinimumOffLot("min_quantity", minimum=units(row.min_quantity), lot=units(row.lot))
    if row.reference_price is not None and row.reference_price % row.tick:
        reference, tick = str(Money(row.reference_price)), str(Money(row.tick))
        raise ReferencePriceOffTick("reference_price", reference_price=reference, tick=tick)


async def halt(work: c.Work, market: Market, actor: c.Actor) -> RulesView:
    """Stop continuous trading; resting limit orders stay and new ones are collected for the
    call auction that reopens the instrument."""
    actor.require(c.PartyKind.REGISTRAR, c.PartyKind.REGULATOR)
    row = await _rules_row(work, market)
    if row.halted:
        raise InstrumentAlreadyHalted("instrument", instrument=market.terms.instrument)
    row.halted, row.updated_at = True, work.now
    market.book.halt()
    await work.session.flush()
    return await rules_of(work.session, market.terms.instrument, work.now)


async def resume(work: c.Work, market: Market, actor: c.Actor, *, fees: Fees) -> RulesView:
    """Reopen with a call auction; its trades settle before continuous trading goes on."""
    actor.require(c.PartyKind.REGISTRAR, c.PartyKind.REGULATOR)
    row = await _rules_row(work, market)
    if not row.halted:
        raise InstrumentNotHalted("instrument", instrument=market.terms.instrument)
    row.halted, row.updated_at = False, work.now
    await apply(work, market, market.book.open(), fees=fees, actor=actor.party_id)
    await work.session.flush()
    return await rules_of(work.session, market.terms.instrument, work.now)
