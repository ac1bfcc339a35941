"""Trade values and fees in fen, exactly: DESIGN §5's price bases, rounded half-even once.

Prices are fen per display unit (CNY with 2 decimals); quantities are base units (10^-scale of the
display unit). Emission permits are quoted per t/a per year of their term (元/吨·年), so their value is
price × quantity × years: 96 t/a of SO2 at 389.00 for 5 years is 186,720.00 CNY.
"""

import datetime as dt
from fractions import Fraction
from typing import Any


def round_half_even(value: Fraction) -> int:
    return round(value)  # Fraction rounds half to even, exactly


def trade_value(price_fen: int, units: int, scale: int, years: int = 1) -> int:
    """Value in fen of ``units`` base units at ``price_fen`` per display unit (per year, × years)."""
    return round_half_even(Fraction(price_fen * units * years, 10**scale))


def fee(value_fen: int, bps: int) -> int:
    """One side's fee: basis points of the value, rounded half-even to the fen."""
    return round_half_even(Fraction(value_fen * bps, 10_000))


def hold_per_lot(price_fen: int, lot: int, scale: int, years: int, bps: int) -> int:
    """Cash a buy order holds per lot at its limit: the value and the fee, each rounded up.

    Every fill is a whole number of lots at a price no higher than the limit, and its value and fee
    round half-even to at most these ceilings, so releasing this much per lot filled always covers
    what the fill costs.
    """
    value: int = -(-price_fen * lot * years // 10**scale)
    return value - (-value * bps // 10_000)


def term_years(price_basis: str, attributes: dict[str, Any]) -> int:
    """How many years a unit_year price counts: the whole years from term_start to term_end."""
    if price_basis != "unit_year":
        return 1
    start = dt.date.fromisoformat(attributes["term_start"])
    end = dt.date.fromisoformat(attributes["term_end"]) + dt.timedelta(days=1)
    return max(1, end.year - start.year - ((end.month, end.day) < (start.month, start.day)))
