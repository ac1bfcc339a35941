"""What an order would come to before anyone commits (DESIGN §5): the years its price counts on today's
trading day, its value, each side's fee, and the cash a buy order would hold. Public, as the rules and
the book are: it reads only the instrument's terms and the platform's fee.
"""

import datetime as dt
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from market import engine as e
from market.errors import QuantityOffLot
from market.exchange import terms_of
from market.pricing import figures, hold_per_lot
from market.tables import Side
from registry.quantities import Money, Quantity


@dataclass(frozen=True, slots=True)
class Quote:
    instrument: str
    side: Side
    price: str
    quantity: str
    years: int  # the years the price counts: 1, or those left on a permit's term (元/吨·年)
    value: str
    buyer_fee: str
    seller_fee: str
    held: str  # cash a buy order sets aside on entry (value and fee, rounded up per lot); 0 for a sell


async def quote(
    session: AsyncSession,
    instrument_id: str,
    *,
    side: Side,
    price: str,
    quantity: str,
    bps: int,
    now: dt.datetime,
) -> Quote:
    terms = await terms_of(session, instrument_id)
    fen = Money.parse(price, field="price").fen
    amount = Quantity.parse(quantity, terms.scale, field="quantity")
    lot = terms.rules.lot
    if amount.units % lot:
        raise QuantityOffLot("quantity", quantity=str(amount), lot=str(Quantity(lot, terms.scale)))
    years = terms.years_at(now)
    shown = figures(fen, amount.units, terms.scale, years, bps)
    held = amount.units // lot * hold_per_lot(fen, lot, terms.scale, years, bps) if side == e.BUY else 0
    return Quote(
        instrument_id,
        side,
        str(Money(fen)),
        str(amount),
        years,
        shown.value,
        shown.buyer_fee,
        shown.seller_fee,
        str(Money(held)),
    )
