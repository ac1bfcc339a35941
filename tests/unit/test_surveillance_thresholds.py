"""Surveillance thresholds are configuration, checked at start: a setting under which a day with a
single trade could raise a concentration alert is refused, naming the variable."""

from fractions import Fraction

import pytest

from api.config import parse_thresholds
from market.surveillance import Thresholds


def test_the_environment_sets_the_thresholds() -> None:
    configured = parse_thresholds(
        {"LIANGSHAN_SURVEILLANCE_MIN_TRADES": "5", "LIANGSHAN_SURVEILLANCE_SHARE_BPS": "6000"}
    )
    assert configured == Thresholds(min_trades=5, share_bps=6000)
    assert parse_thresholds({}) == Thresholds()


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("LIANGSHAN_SURVEILLANCE_MIN_PARTIES", "2"),  # one trade has two parties
        ("LIANGSHAN_SURVEILLANCE_MIN_TRADES", "1"),
        ("LIANGSHAN_SURVEILLANCE_SHARE_BPS", "10000"),
        ("LIANGSHAN_SURVEILLANCE_WINDOW_DAYS", "-1"),
        ("LIANGSHAN_SURVEILLANCE_PRICE_BPS", "ten"),
    ],
)
def test_a_threshold_out_of_range_stops_the_start(variable: str, value: str) -> None:
    with pytest.raises(ValueError, match="LIANGSHAN_SURVEILLANCE_"):
        parse_thresholds({variable: value})


def test_a_single_trade_is_never_enough() -> None:
    loosest = Thresholds(min_trades=2, min_parties=3)
    assert not loosest.enough(trades=1, parties=2)
    assert loosest.enough(trades=2, parties=2) and Thresholds().enough(trades=2, parties=3)
    assert not Thresholds().enough(trades=2, parties=2)
    assert Thresholds().above_share(Fraction(51), Fraction(100)) and not Thresholds().above_share(
        Fraction(1), Fraction(2)
    )
