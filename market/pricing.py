"""Trade values and fees in fen, exactly: DESIGN §5's price bases, rounded half-even once.

Prices are fen per display unit (CNY with 2 decimals); quantities are base units (10^-scale of the
display unit). Emission permits are quoted per t/a per year of their term (元/吨·年), so their value is
price × quantity × the years left on the term when the trade settles, a started year counting whole
(不足一年按一年计): 96 t/a of SO2 at 389.00 on a 2026–2030 permit traded in 2026 is 5 years,
186,720.00 CNY; in 2027, 4 years.
"""

import datetime as dt
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from registry.quantities import Money

CHINA_STANDARD_TIME = dt.timezone(dt.timedelta(hours=8), "CST")  # trading days and settlement dates


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

    Every fill is a whole number of lots at a price no higher than the limit, for no more years than
    ``years`` (the years left only go down as time passes), and its value and fee round half-even to
    at most these ceilings, so releasing this much per lot filled always covers what the fill costs.
    """
    value: int = -(-price_fen * lot * years // 10**scale)
    return value - (-value * bps // 10_000)


def trading_day(moment: dt.datetime) -> dt.date:
    """The date a trade at ``moment`` settles on: the day in China Standard Time."""
    return moment.astimezone(CHINA_STANDARD_TIME).date()


def term_of(price_basis: str, attributes: dict[str, Any]) -> tuple[dt.date, dt.date] | None:
    """The term a unit_year price counts years of, first and last day; None for other bases."""
    if price_basis != "unit_year":
        return None
    return dt.date.fromisoformat(attributes["term_start"]), dt.date.fromisoformat(attributes["term_end"])


def years_left(term: tuple[dt.date, dt.date] | None, on: dt.date) -> int:
    """How many years a price counts on ``on``: 1 without a term; with one, the term-years not over
    by then, a started year counting whole. Term-years run from one anniversary of the start to the
    next, the last cut at the term's end; a year counts while its last day is ``on`` or later, so a
    term not yet begun counts all its years and one already over counts none."""
    if term is None:
        return 1
    start, end = term
    years, k = 0, 0
    while _anniversary(start, k) <= end:
        last_day = min(_anniversary(start, k + 1) - dt.timedelta(days=1), end)
        years += last_day >= on
        k += 1
    return years


def _anniversary(start: dt.date, years: int) -> dt.date:
    try:
        return start.replace(year=start.year + years)
    except ValueError:  # 29 February
        return start.replace(year=start.year + years, day=28)


@dataclass(frozen=True, slots=True)
class Figures:
    """What a trade comes to, shown before anyone commits: the years its price counts, its value and
    each side's fee, in CNY."""

    years: int
    value: str
    buyer_fee: str
    seller_fee: str


def figures(price_fen: int, units: int, scale: int, years: int, bps: int) -> Figures:
    value = trade_value(price_fen, units, scale, years)
    charge = str(Money(fee(value, bps)))  # the same rate on each side
    return Figures(years, str(Money(value)), charge, charge)
