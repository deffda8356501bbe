"""The app's number formats: £m with one decimal, rates per 1,000 residents a year."""

from __future__ import annotations

from sim.app.units import gbp_m, per_1000_a_year, rate_text


def test_money_is_in_millions_with_one_decimal() -> None:
    assert gbp_m(823_812_000) == "£823.8m"
    assert gbp_m(-2_140_000) == "-£2.1m"
    assert gbp_m(2_140_000, signed=True) == "+£2.1m"


def test_a_quarters_count_is_a_yearly_rate_per_1000_residents() -> None:
    assert per_1000_a_year(250, 1_000_000) == 1.0
    assert rate_text(250, 1_000_000) == "1.0 per 1,000 residents a year"
