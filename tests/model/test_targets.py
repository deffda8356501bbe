"""Silo targets: rolling crisis-event rates per 1,000 residents against settled targets."""

from __future__ import annotations

import numpy as np
import pytest

from sim.model.crises import CrisisReport
from sim.model.targets import Indicators
from sim.scenario.schema import SiloTargets
from tests import builders

# 1,000,000 residents in 10,000 simulated citizens: one simulated event is 100 residents' events,
# 0.1 per 1,000 residents
RESIDENTS, WEIGHT = 1_000_000, 100.0


def indicators(**settings) -> Indicators:
    return Indicators(["x", "y"], RESIDENTS, WEIGHT, SiloTargets(**settings))


def report(x: int, y: int = 0) -> CrisisReport:
    """A quarter's crisis events (simulated citizens') in x and y."""
    return CrisisReport(masks={}, events={}, counts={"x": x, "y": y}, people={}, demand_gbp={})


def record(rates: Indicators, counts_x: list[int]) -> None:
    for count in counts_x:
        rates.record(report(count))


def settled_at(level: int, **settings) -> Indicators:
    """Indicators settled after a year of `level` events a quarter in x and y."""
    rates = indicators(**settings)
    for _ in range(4):
        rates.record(report(level, level))
    rates.settle()
    return rates


# -- the indicator ---------------------------------------------------------------------------
def test_the_indicator_is_events_per_thousand_residents_over_the_window():
    rates = indicators(window_quarters=4)
    record(rates, [10, 20, 30, 40])
    assert rates.value("x") == pytest.approx(100 * 0.1)
    assert rates.value("y") == 0.0


def test_the_window_rolls_forward_dropping_the_oldest_quarter():
    rates = indicators(window_quarters=4)
    record(rates, [10, 20, 30, 40, 50])
    assert rates.value("x") == pytest.approx((20 + 30 + 40 + 50) * 0.1)


def test_a_window_still_filling_is_scaled_up_to_a_full_window():
    rates = indicators(window_quarters=4)
    record(rates, [10, 30])
    assert rates.value("x") == pytest.approx((10 + 30) * 0.1 * 4 / 2)


def test_an_indicator_with_nothing_recorded_is_zero():
    assert indicators().value("x") == 0.0


def test_the_indicator_is_scaled_by_the_weight_of_a_simulated_citizen():
    rates = Indicators(["x"], 50_000, 25.0, SiloTargets(window_quarters=1))
    rates.record(CrisisReport(masks={}, events={}, counts={"x": 8}, people={}, demand_gbp={}))
    assert rates.value("x") == pytest.approx(8 * 25.0 * 1000 / 50_000)


def test_a_model_records_its_crisis_events_into_the_indicators():
    scenario = builders.scenario(population=4000)  # weight 1000: one event is 250 per 1,000 residents
    model = builders.model_with_needs(scenario, [[0.6, 0.8, 0.1, 0.3], [0.0, 0.5, 0.7, 0.2]])
    model.step()
    model.step()
    two_quarters = (2 + 2) * 250.0  # two citizens in crisis in each domain, one event each
    assert model.indicators.value("x") == pytest.approx(two_quarters * 4 / 2)
    assert model.indicators.value("y") == pytest.approx(two_quarters * 4 / 2)


# -- targets ---------------------------------------------------------------------------------
def test_settle_fixes_the_target_at_the_current_indicator():
    rates = settled_at(100)
    record(rates, [200])
    assert rates.settled == pytest.approx({"x": 40.0, "y": 40.0})
    assert rates.target("x", 1) == pytest.approx(40.0)


def test_the_target_falls_by_the_improvement_each_year():
    rates = settled_at(100, improvement_per_year=0.1)
    targets = [rates.target("x", step) for step in (1, 4, 5, 8, 9, 13)]
    assert targets == pytest.approx([40.0, 40.0, 36.0, 36.0, 32.4, 40.0 * 0.9**3])


def test_an_indicator_never_settled_has_no_target_and_is_never_missed():
    rates = indicators()
    record(rates, [500])
    assert rates.target("x", 1) == 0.0
    assert not rates.missed("x", 1)


def test_a_miss_is_the_indicator_above_target_by_more_than_the_margin():
    rates = settled_at(100, margin=0.05, window_quarters=1)  # target 10 per 1,000
    record(rates, [104])
    assert not rates.missed("x", 1)
    record(rates, [106])
    assert rates.missed("x", 1)


def test_a_miss_is_judged_against_this_years_lower_target():
    rates = settled_at(100, margin=0.05, improvement_per_year=0.1, window_quarters=1)
    record(rates, [100])
    assert not rates.missed("x", 4)
    assert rates.missed("x", 5)  # 10 against a target of 9 (9.45 with the margin)


def test_the_missed_share_is_the_share_of_the_agencys_duty_domains_missed():
    agencies = {"a": builders.agency({"x": 1.0, "y": 0.5}), "b": builders.agency({"y": 0.5}), "c": builders.agency({})}
    model = builders.model_with_needs(builders.scenario(agencies=agencies), np.zeros((2, 1000)))
    rates = model.indicators
    rates.settled = {"x": 10.0, "y": 10.0}
    rates.recent["x"].extend([100] * 4)  # far above target
    rates.recent["y"].extend([0] * 4)
    a, b, c = model.agencies_by_id(["a", "b", "c"])
    assert rates.missed_share(a, 1) == pytest.approx(0.5)
    assert rates.missed_share(b, 1) == 0.0
    assert rates.missed_share(c, 1) == 0.0  # no duties, nothing to miss


# -- noise and sustained change --------------------------------------------------------------
def test_quarter_to_quarter_noise_within_the_margin_never_reads_as_a_miss():
    rates = settled_at(100, margin=0.05)
    for step, count in enumerate([103, 97] * 6, start=1):
        rates.record(report(count, count))
        assert not rates.missed("x", step)


def test_alternating_quarters_beyond_the_margin_average_out_over_the_rolling_year():
    rates = settled_at(100, margin=0.05)
    for step, count in enumerate([108, 92] * 6, start=1):
        rates.record(report(count, count))
        assert not rates.missed("x", step)  # a quarter alone would be 8% over


def test_a_sustained_ten_percent_rise_reads_as_a_miss_once_the_rolling_year_shows_it():
    rates = settled_at(100, margin=0.05)
    missed = []
    for step in range(1, 7):
        rates.record(report(110, 110))
        missed.append(rates.missed("x", step))
    # the year's rise is 2.5%, 5% (on the margin), 7.5%, then 10% from the fourth quarter on
    assert not missed[0]
    assert all(missed[2:])
