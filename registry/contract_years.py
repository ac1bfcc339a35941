"""Contract years (合同年度): a contract's term cut into years by the anniversaries of its start, and
what each of them pays of a yearly amount (rent, minimum dividend).

Year ``n`` (from 1) runs from the start's ``n - 1``-th anniversary to the day before its ``n``-th, so
2023-11-29 to 2024-11-28 is one full year, and a term of 2023-11-29 to 2026-11-28 is three. An
anniversary the calendar lacks (29 February in a common year) falls on 1 March: that year ends on the
last day of February. The last year ends with the term; if the term ends before the year would, the
year is partial and pays pro rata by days — the yearly amount × the days of the year within the term
÷ the days of the whole contract year, rounded half-even to the fen (as trade values and fees are).
Everything here is pure: dates and integers of fen in, integers out.
"""

import datetime as dt
from dataclasses import dataclass
from fractions import Fraction

ONE_DAY = dt.timedelta(days=1)


@dataclass(frozen=True, slots=True)
class ContractYear:
    """One contract year: its number (from 1), its first and last day within the term, and the days
    of the whole year it is part of (fewer than those when it is a partial last year)."""

    number: int
    first: dt.date
    last: dt.date
    full_days: int

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1

    def pays(self, yearly_fen: int) -> int:
        """What this year pays of ``yearly_fen`` a year: all of it, or pro rata by days."""
        return round(Fraction(yearly_fen * self.days, self.full_days))  # a Fraction rounds half-even


def anniversary(start: dt.date, years: int) -> dt.date:
    """The ``years``-th anniversary of ``start`` (1 March for 29 February in a common year)."""
    try:
        return start.replace(year=start.year + years)
    except ValueError:  # 29 February
        return dt.date(start.year + years, 3, 1)


def count(start: dt.date, end: dt.date) -> int:
    """How many contract years (the last perhaps partial) a term from ``start`` to ``end`` has."""
    years = max(0, end.year - start.year - 1)
    while anniversary(start, years) <= end:
        years += 1
    return years


def year(start: dt.date, end: dt.date, number: int) -> ContractYear:
    """Contract year ``number`` of the term from ``start`` to ``end`` (1 ≤ number ≤ count)."""
    first, following = anniversary(start, number - 1), anniversary(start, number)
    if not (number >= 1 and first <= end):
        raise ValueError(f"a term from {start} to {end} has no contract year {number}")
    return ContractYear(number, first, min(following - ONE_DAY, end), (following - first).days)


def completed(start: dt.date, end: dt.date, today: dt.date) -> int:
    """How many of the term's contract years are over by ``today`` (each is paid the day after)."""
    done, years = 0, count(start, end)
    while done < years and year(start, end, done + 1).last < today:
        done += 1
    return done
