"""Acute capacity: what a quarter's demand costs against the capacity held, and the yearly
decision to decommission or commission capacity (sim/model/capacity.py)."""

from __future__ import annotations

import pytest

from sim.model.capacity import CapacityLine
from sim.scenario.schema import Capacity


def line_holding(capacity_gbp: float, **settings: float) -> CapacityLine:
    """A line holding `capacity_gbp` a quarter, settled at that size."""
    line = CapacityLine(Capacity(**settings))
    line.capacity_gbp = line.settled_gbp = capacity_gbp
    return line


def year_of_demand(line: CapacityLine, demand_gbp: float) -> None:
    """Four quarters at `demand_gbp`: what the next adjustment looks back on."""
    for _ in range(4):
        line.bill(demand_gbp)


def adjusted_once(line: CapacityLine, demand_gbp: float, may_grow: bool = True) -> float:
    """A year at `demand_gbp`, then the year-end decision; returns its exit cost."""
    year_of_demand(line, demand_gbp)
    return line.adjust(may_grow=may_grow)


# -- a quarter's bill -----------------------------------------------------------------------------
def test_at_full_utilisation_fixed_and_variable_cost_add_up_to_demand():
    line = line_holding(1000.0, variable_share=0.4, premium=0.5)
    bill = line.bill(1000.0)
    assert line.fixed_cost_gbp == pytest.approx(600.0)
    assert bill.variable == pytest.approx(400.0)
    assert line.fixed_cost_gbp + bill.due_for_crises == pytest.approx(1000.0)
    assert (bill.spot, bill.premium, bill.idle) == (0.0, 0.0, 0.0)


def test_below_capacity_the_fixed_share_of_the_unused_capacity_is_idle():
    line = line_holding(1000.0, variable_share=0.4, premium=0.5)
    bill = line.bill(700.0)
    assert bill.idle == pytest.approx(0.6 * 300.0)  # (1 - v)(K - D)
    assert bill.variable == pytest.approx(0.4 * 700.0)
    assert (bill.spot, bill.premium) == (0.0, 0.0)
    # the quarter costs the demand plus the idle capacity: a crisis avoided saves only v of its cost
    assert line.fixed_cost_gbp + bill.due_for_crises == pytest.approx(700.0 + bill.idle)


def test_above_capacity_the_excess_is_bought_spot_at_a_premium():
    line = line_holding(1000.0, variable_share=0.4, premium=0.5)
    bill = line.bill(1300.0)
    assert bill.variable == pytest.approx(400.0)  # v K: capacity is used in full
    assert bill.spot == pytest.approx(300.0)
    assert bill.premium == pytest.approx(150.0)
    assert bill.idle == 0.0
    assert line.fixed_cost_gbp + bill.due_for_crises == pytest.approx(1300.0 + 150.0)


# -- sizing at the end of warm-up -----------------------------------------------------------------
def test_sizing_holds_the_mean_of_the_last_four_quarters_plus_headroom():
    line = CapacityLine(Capacity(variable_share=0.5, headroom=0.1))
    for demand in (5000.0, 800.0, 1000.0, 1200.0, 1000.0):  # the first quarter is forgotten
        line.bill(demand)
    line.size_to_recent_demand()
    assert line.capacity_gbp == pytest.approx(1.1 * 1000.0)
    assert line.settled_gbp == line.capacity_gbp
    assert line.fixed_cost_gbp == pytest.approx(0.5 * 1100.0)


# -- decommissioning ------------------------------------------------------------------------------
def test_decommissioning_waits_lag_years_year_ends_of_excess():
    line = line_holding(1000.0, variable_share=0.5, decommission_rate=0.1, floor_share=0.5, lag_years=2)
    assert adjusted_once(line, 600.0) == 0.0
    assert adjusted_once(line, 600.0) == 0.0
    assert line.capacity_gbp == 1000.0
    adjusted_once(line, 600.0)
    assert line.capacity_gbp == pytest.approx(900.0)


def test_a_year_without_excess_restarts_the_lag():
    line = line_holding(1000.0, variable_share=0.5, decommission_rate=0.1, floor_share=0.5, lag_years=1)
    adjusted_once(line, 600.0)  # one year-end of excess
    adjusted_once(line, 1000.0)  # demand back at capacity
    adjusted_once(line, 600.0)  # excess again: the lag starts over
    assert line.capacity_gbp == 1000.0
    adjusted_once(line, 600.0)
    assert line.capacity_gbp == pytest.approx(900.0)


def test_decommissioning_steps_by_at_most_the_rate_and_stops_at_the_floor_of_the_settled_size():
    line = line_holding(1000.0, variable_share=0.5, decommission_rate=0.1, floor_share=0.75, lag_years=0)
    sizes = []
    for _ in range(5):
        adjusted_once(line, 100.0)  # the target (100) is far below the floor (750)
        sizes.append(line.capacity_gbp)
    assert sizes == pytest.approx([900.0, 810.0, 750.0, 750.0, 750.0])


def test_decommissioning_stops_at_the_target_when_it_is_above_the_floor():
    line = line_holding(1000.0, variable_share=0.5, headroom=0.1, decommission_rate=0.5, floor_share=0.5, lag_years=0)
    adjusted_once(line, 800.0)
    assert line.capacity_gbp == pytest.approx(880.0)  # (1 + h) D_bar, not 1000 (1 - 0.5)


def test_a_change_smaller_than_a_step_of_fixed_cost_waits():
    # 10% of 1000 is 100 a quarter of capacity, 0.5 x 100 x 4 = 200 a year of fixed cost
    small = line_holding(1000.0, variable_share=0.5, decommission_rate=0.1, lag_years=0, step_gbp_per_year=200.01)
    assert adjusted_once(small, 600.0) == 0.0
    assert small.capacity_gbp == 1000.0
    exact = line_holding(1000.0, variable_share=0.5, decommission_rate=0.1, lag_years=0, step_gbp_per_year=200.0)
    adjusted_once(exact, 600.0)
    assert exact.capacity_gbp == pytest.approx(900.0)


def test_a_small_rise_in_demand_commissions_nothing_below_a_step():
    line = line_holding(1000.0, variable_share=0.5, commission_rate=0.2, step_gbp_per_year=500.0)
    adjusted_once(line, 1200.0)  # 0.5 x 200 x 4 = 400 a year of fixed cost: less than a step
    assert line.capacity_gbp == 1000.0
    adjusted_once(line, 1300.0)  # capped at +20%: 400 again
    assert line.capacity_gbp == 1000.0


def test_exit_cost_is_its_share_of_a_year_of_the_fixed_cost_removed():
    line = line_holding(1000.0, variable_share=0.4, decommission_rate=0.1, lag_years=0, exit_cost_share=0.25)
    exit_cost = adjusted_once(line, 500.0)
    assert line.capacity_gbp == pytest.approx(900.0)
    assert exit_cost == pytest.approx(0.25 * 0.6 * 100.0 * 4)  # share x (1 - v) dK x 4 quarters


# -- commissioning --------------------------------------------------------------------------------
def test_commissioning_grows_by_at_most_the_rate_towards_the_target():
    line = line_holding(1000.0, variable_share=0.5, headroom=0.0, commission_rate=0.2, exit_cost_share=0.5)
    sizes, exit_costs = [], []
    for _ in range(4):
        exit_costs.append(adjusted_once(line, 1600.0))
        sizes.append(line.capacity_gbp)
    assert sizes == pytest.approx([1200.0, 1440.0, 1600.0, 1600.0])
    assert exit_costs == [0.0] * 4


def test_no_growth_after_a_year_under_spending_controls():
    line = line_holding(1000.0, variable_share=0.5, commission_rate=0.2)
    assert adjusted_once(line, 1600.0, may_grow=False) == 0.0
    assert line.capacity_gbp == 1000.0
    adjusted_once(line, 1600.0, may_grow=True)
    assert line.capacity_gbp == pytest.approx(1200.0)


def test_spending_controls_do_not_stop_decommissioning():
    line = line_holding(1000.0, variable_share=0.5, decommission_rate=0.1, lag_years=0)
    adjusted_once(line, 500.0, may_grow=False)
    assert line.capacity_gbp == pytest.approx(900.0)


def test_a_perfectly_variable_line_with_a_premium_still_follows_demand():
    # no fixed cost to step by: with no step size, capacity grows like any other line, so the
    # premium is paid only on demand beyond what the line could commission
    line = line_holding(1000.0, variable_share=1.0, premium=0.5, commission_rate=0.2)
    assert adjusted_once(line, 1600.0) == 0.0
    assert line.capacity_gbp == pytest.approx(1200.0)
    assert line.bill(1600.0).premium == pytest.approx(0.5 * 400.0)
