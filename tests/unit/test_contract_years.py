"""Contract years by anniversaries, and what each pays of a yearly amount (``registry.contract_years``)."""

import datetime as dt
import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from registry.contract_years import anniversary, completed, count, year

D = dt.date


@pytest.mark.parametrize(
    ("start", "end", "years"),
    [
        (D(2023, 11, 29), D(2026, 11, 28), 3),  # three full years, the usual way of writing them
        (D(2023, 11, 29), D(2026, 11, 29), 4),  # and one day of a fourth
        (D(2024, 1, 1), D(2025, 6, 30), 2),
        (D(2026, 6, 1), D(2026, 6, 2), 1),
        (D(2026, 6, 1), D(2096, 5, 31), 70),
    ],
)
def test_a_term_has_its_contract_years(start: dt.date, end: dt.date, years: int) -> None:
    assert count(start, end) == years
    assert year(start, end, years).last == end


def test_a_partial_last_year_pays_pro_rata_by_days() -> None:
    last = year(D(2024, 1, 1), D(2025, 6, 30), 2)
    assert (last.first, last.days, last.full_days) == (D(2025, 1, 1), 181, 365)
    assert last.pays(100_000) == 49_589  # 1,000.00 × 181 / 365 = 495.890…
    assert year(D(2024, 1, 1), D(2025, 6, 30), 1).pays(100_000) == 100_000


def test_pro_rata_rounds_half_even_to_the_fen() -> None:
    # a 366-day contract year (2024-01-01 to 2024-12-31); 1.83 a year is 0.5 fen a day
    assert year(D(2024, 1, 1), D(2024, 1, 1), 1).pays(183) == 0  # 0.5 → 0
    assert year(D(2024, 1, 1), D(2024, 1, 3), 1).pays(183) == 2  # 1.5 → 2
    assert year(D(2024, 1, 1), D(2024, 1, 5), 1).pays(183) == 2  # 2.5 → 2


def test_a_29_february_start_has_its_anniversary_on_1_march() -> None:
    assert anniversary(D(2024, 2, 29), 1) == D(2025, 3, 1)
    assert anniversary(D(2024, 2, 29), 4) == D(2028, 2, 29)
    first = year(D(2024, 2, 29), D(2030, 1, 1), 1)
    assert (first.last, first.full_days) == (D(2025, 2, 28), 366)


def test_years_are_over_the_day_after_their_last() -> None:
    start, end = D(2023, 11, 29), D(2026, 11, 28)
    assert completed(start, end, D(2026, 11, 28)) == 2
    assert completed(start, end, D(2026, 11, 29)) == 3


@given(
    st.dates(min_value=D(2000, 1, 1), max_value=D(2100, 1, 1)),
    st.integers(min_value=0, max_value=40 * 366),
    st.integers(min_value=0, max_value=10**9),
)
def test_the_years_tile_the_term_and_full_years_pay_in_full(start: dt.date, length: int, fen: int) -> None:
    end = start + dt.timedelta(days=length)
    years = [year(start, end, n) for n in range(1, count(start, end) + 1)]
    assert years[0].first == start and years[-1].last == end
    assert all(a.last + dt.timedelta(days=1) == b.first for a, b in itertools.pairwise(years))
    assert all(y.pays(fen) == fen for y in years[:-1])
    assert 0 <= years[-1].pays(fen) <= fen
