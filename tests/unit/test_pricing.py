"""The years a permit's price counts (DESIGN §5): those left on its term on the settlement date, a
started year counting whole (不足一年按一年计)."""

import datetime as dt

import pytest

from market.pricing import trading_day, years_left

D = dt.date


@pytest.mark.parametrize(
    ("start", "end", "on", "years"),
    [
        (D(2026, 1, 1), D(2030, 12, 31), D(2026, 11, 29), 5),  # the three cases
        (D(2025, 1, 1), D(2029, 12, 31), D(2026, 11, 29), 4),
        (D(2026, 7, 1), D(2028, 12, 31), D(2026, 6, 1), 3),  # before it starts: 2 years and a half
        (D(2026, 1, 1), D(2030, 12, 31), D(2026, 12, 31), 5),  # the year's last day still counts it
        (D(2026, 1, 1), D(2030, 12, 31), D(2027, 1, 1), 4),  # the anniversary begins the next one
        (D(2026, 1, 1), D(2030, 12, 31), D(2030, 12, 31), 1),
        (D(2026, 1, 1), D(2030, 12, 31), D(2031, 1, 1), 0),  # over
        (D(2024, 2, 29), D(2027, 2, 27), D(2026, 2, 28), 1),  # a leap day's anniversary is 28 February
    ],
)
def test_a_permit_counts_the_term_years_not_over_on_the_settlement_date(
    start: dt.date, end: dt.date, on: dt.date, years: int
) -> None:
    assert years_left((start, end), on) == years


def test_a_price_per_unit_counts_one_year() -> None:
    assert years_left(None, D(2026, 11, 29)) == 1


def test_the_settlement_date_is_the_day_in_china_standard_time() -> None:
    evening_in_utc = dt.datetime(2026, 12, 31, 16, 30, tzinfo=dt.UTC)  # 00:30 on 1 January in Jiangxi
    assert trading_day(evening_in_utc) == D(2027, 1, 1)
    assert years_left((D(2026, 1, 1), D(2030, 12, 31)), trading_day(evening_in_utc)) == 4
