"""The centre's settlement (sim/model/settlement.py): yearly budgets, the settled plan after
warm-up, and where unspent money goes at the end of a year; and that every shipped scenario
sharing the default warm-up starts from one settled state, with no burst in quarter 1."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.model.agencies import ServiceAgency
from sim.model.budget_rules import Kind
from sim.model.ledger import CENTRE, SERVICES
from sim.model.model import PlaceModel
from tests import builders

ROOT = Path(__file__).resolve().parents[2]
QUIET_NEEDS = np.full((2, 4), 0.1)  # four citizens, nobody at risk: no crises, no prevention, no spend
CAPACITY = {"variable_share": 0.4, "headroom": 0.1, "lag_years": 0, "decommission_rate": 0.1, "commission_rate": 0.2,
            "exit_cost_share": 0.25}  # fmt: skip


def quiet_model(changes: dict) -> PlaceModel:
    """The tiny place with nobody at risk: agencies only receive money and settle the year."""
    return builders.model_with_needs(builders.scenario(changes, population=QUIET_NEEDS.shape[1]), QUIET_NEEDS)


def agency_of(model: PlaceModel, agency_id: str) -> ServiceAgency:
    return model.agencies_by_id([agency_id])[0]


def stepped(model: PlaceModel, quarters: int) -> PlaceModel:
    for _ in range(quarters):
        model.step()
    return model


def flows_of(model: PlaceModel, category: str, **columns: object) -> pd.DataFrame:
    flows = model.ledger.flows()
    chosen = flows[flows["category"] == category]
    for column, value in columns.items():
        chosen = chosen[chosen[column] == value]
    return chosen


def income_by_quarter(model: PlaceModel, agency_id: str) -> list[float]:
    income = flows_of(model, "income", source=CENTRE, destination=agency_id)
    return income.groupby("step")["amount"].sum().tolist()


# -- yearly budgets -------------------------------------------------------------------------------
def test_the_budget_path_applies_year_by_year_and_its_last_value_repeats():
    model = stepped(quiet_model({"agencies.b.budget_gbp_per_year": 4000.0, "settlement.path": {"b": [0.1, -0.2]}}), 16)
    yearly = [4400.0, 3520.0, 2816.0, 2252.8]  # 4000 x 1.1, then x 0.8 every year
    assert income_by_quarter(model, "b") == pytest.approx([budget / 4 for budget in yearly for _ in range(4)])


def test_a_path_overrides_the_budget_growth():
    changes = {"agencies.b.budget_gbp_per_year": 4000.0, "agencies.b.budget_growth": 0.3,
               "settlement.path": {"b": [0.0]}}  # fmt: skip
    assert income_by_quarter(stepped(quiet_model(changes), 8), "b") == pytest.approx([1000.0] * 8)


def test_without_a_path_budget_growth_starts_in_year_two():
    model = stepped(quiet_model({"agencies.b.budget_gbp_per_year": 4000.0, "agencies.b.budget_growth": 0.1}), 12)
    assert income_by_quarter(model, "b") == pytest.approx([1000.0] * 4 + [1100.0] * 4 + [1210.0] * 4)


# -- savings rules: agency b has no duties, so its whole income is unspent ------------------------
def test_clawback_returns_all_the_surplus_to_the_centre():
    model = quiet_model({"agencies.b.budget_gbp_per_year": 4000.0, "agencies.b.savings_rule": "clawback",
                         "agencies.b.reserves_gbp": 100.0})  # fmt: skip
    stepped(model, 4)
    returned = flows_of(model, "returned_to_centre", source="b")
    assert returned["amount"].sum() == pytest.approx(4000.0)
    assert set(returned["step"]) == {4}
    b = agency_of(model, "b")
    assert b.flexible_balance == pytest.approx(0.0)
    assert b.reserves_gbp == 100.0  # reserves are not surplus: clawback leaves them alone


def test_retain_keeps_reserves_up_to_the_cap_and_returns_the_rest():
    model = quiet_model({"agencies.b.budget_gbp_per_year": 4000.0, "agencies.b.savings_rule": "retain",
                         "agencies.b.reserve_cap_share": 0.1, "agencies.b.reserves_gbp": 100.0})  # fmt: skip
    stepped(model, 4)
    b = agency_of(model, "b")
    assert b.reserves_gbp == pytest.approx(400.0)  # 0.1 x 4000: 300 more kept
    assert flows_of(model, "to_reserves", source="b")["amount"].sum() == pytest.approx(300.0)
    assert flows_of(model, "returned_to_centre", source="b")["amount"].sum() == pytest.approx(3700.0)
    stepped(model, 4)  # reserves already at the cap: the whole second year goes back
    assert b.reserves_gbp == pytest.approx(400.0)
    assert flows_of(model, "returned_to_centre", source="b", step=8)["amount"].sum() == pytest.approx(4000.0)
    assert b.flexible_balance == pytest.approx(0.0)


def test_reinvest_puts_up_to_the_cap_into_prevention_lines_by_duty_share():
    model = quiet_model({"agencies.a.budget_gbp_per_year": 4000.0, "agencies.a.savings_rule": "reinvest",
                         "agencies.a.reinvest_cap_share": 0.05, "agencies.a.reserve_cap_share": 0.1,
                         "agencies.a.statutory_duties": {"x": 0.25, "y": 1.0},
                         "agencies.b.statutory_duties": {"x": 0.75}})  # fmt: skip
    stepped(model, 4)
    ledger = model.ledger
    # 0.05 x 4000 = 200 reinvested, split 0.25 : 1.0; then retain: 400 to reserves, the rest returned
    assert ledger.balance("a", "prevention:x") == pytest.approx(40.0)
    assert ledger.balance("a", "prevention:y") == pytest.approx(160.0)
    assert agency_of(model, "a").reserves_gbp == pytest.approx(400.0)
    assert flows_of(model, "returned_to_centre", source="a")["amount"].sum() == pytest.approx(3400.0)
    assert agency_of(model, "a").flexible_balance == pytest.approx(0.0)


def test_a_cash_limited_body_reinvests_and_returns_the_rest_keeping_no_reserves():
    model = quiet_model({"agencies.a.budget_gbp_per_year": 4000.0, "agencies.a.budget_rule": "cash_limited",
                         "agencies.a.savings_rule": "reinvest", "agencies.a.reinvest_cap_share": 0.05})  # fmt: skip
    stepped(model, 4)
    assert model.ledger.balance("a", "prevention:x") + model.ledger.balance("a", "prevention:y") == pytest.approx(200.0)
    assert agency_of(model, "a").reserves_gbp == 0.0
    assert flows_of(model, "returned_to_centre", source="a")["amount"].sum() == pytest.approx(3800.0)


def test_support_from_the_centre_is_repaid_in_instalments_before_the_savings_rule():
    model = quiet_model({"agencies.b.budget_gbp_per_year": 4000.0, "agencies.b.reserve_cap_share": 0.1,
                         "agencies.b.repayment_years": 2})  # fmt: skip
    b = agency_of(model, "b")
    b.pay(1000.0, "fixed_cost", "", None, Kind.committed)  # penniless: the centre supports it
    assert b.purse.owed_to_centre_gbp == pytest.approx(1000.0)
    stepped(model, 8)
    repaid = flows_of(model, "deficit_repayment", source="b")
    # the debt over two years: 500 a year
    assert repaid.groupby("step")["amount"].sum().to_dict() == pytest.approx({4: 500.0, 8: 500.0})
    assert b.purse.owed_to_centre_gbp == pytest.approx(0.0)
    assert b.reserves_gbp == pytest.approx(400.0)
    returned = flows_of(model, "returned_to_centre", source="b")
    assert returned.groupby("step")["amount"].sum().to_dict() == pytest.approx({4: 3100.0, 8: 3500.0})


# -- ring-fenced lines at the year end ------------------------------------------------------------
RING_FENCED = {"agencies.a.budget_gbp_per_year": 4000.0, "policy.ring_fence_share": 0.5,
               "agencies.a.statutory_duties": {"x": 0.25, "y": 1.0},
               "agencies.b.statutory_duties": {"x": 0.75}}  # fmt: skip


def test_unspent_ring_fenced_lines_return_to_the_centre_at_the_year_end():
    model = stepped(quiet_model(RING_FENCED), 4)
    # half of 4000 is ring-fenced, split over acute:x and acute:y by duty share 0.25 : 1.0
    returned = flows_of(model, "returned_to_centre", source="a", fund="ring_fenced")
    assert returned.groupby("domain")["amount"].sum().to_dict() == pytest.approx({"x": 400.0, "y": 1600.0})
    assert model.ledger.balance("a", "acute:x") == 0.0 and model.ledger.balance("a", "acute:y") == 0.0


def test_with_carry_forward_ring_fenced_lines_keep_their_money():
    model = stepped(quiet_model({**RING_FENCED, "settlement.ring_fence_carry_forward": True}), 8)
    assert flows_of(model, "returned_to_centre", source="a", fund="ring_fenced").empty
    assert model.ledger.balance("a", "acute:x") == pytest.approx(800.0)
    assert model.ledger.balance("a", "acute:y") == pytest.approx(3200.0)


# -- the settled plan and capacity in a running model ---------------------------------------------
def settled_model(changes: dict | None = None) -> PlaceModel:
    """The tiny place with its drawn citizens (needs stay at their baseline), four quarters of warm-up,
    and agency a, rich enough never to run short, holding capacity in x and y."""
    return PlaceModel(builders.scenario({
        "run.warmup_steps": 4, "agencies.a.budget_gbp_per_year": 4.0e6, "agencies.a.contingency_share": 0.02,
        "agencies.a.capacity": {"x": CAPACITY, "y": CAPACITY}, **(changes or {}),
    }), seed=0)  # fmt: skip


def test_warm_up_sizes_capacity_to_settled_demand_plus_headroom_and_the_plan_balances():
    model = settled_model()
    a = agency_of(model, "a")
    demand = {domain: line.mean_recent_demand_gbp for domain, line in a.capacity.items()}
    assessments = float(np.mean(a.recent_assessment_gbp))
    assert all(d > 0 for d in demand.values()) and assessments > 0
    for domain, line in a.capacity.items():
        assert line.capacity_gbp == pytest.approx(1.1 * demand[domain])
    # F0 = B - 4 (D + A) - c B - 4 (1 - v) h D: the warm-up plan less the extra fixed cost of headroom
    extra_for_headroom = 4 * sum(0.6 * 0.1 * d for d in demand.values())
    expected = 4.0e6 - 4 * (sum(demand.values()) + assessments) - 0.02 * 4.0e6 - extra_for_headroom
    assert a.settled_fixed_base_gbp_per_year == pytest.approx(expected, rel=1e-9)
    model.step()
    # at the settled demand the year's plan is the settled one, and a quarter spends its budget less contingency
    assert a.fixed_base_gbp_per_year == pytest.approx(expected, rel=1e-9)
    assert model.spend_this_quarter_gbp == pytest.approx(4.0e6 * (1 - 0.02) / 4, rel=1e-6)


def fixed_base_in_year_one(change: float, floor_share: float) -> float:
    model = settled_model({"settlement.path": {"a": [change]}, "agencies.a.fixed_base_floor_share": floor_share})
    return agency_of(stepped(model, 1), "a").fixed_base_gbp_per_year


def test_a_budget_cut_closes_fixed_base_services_down_to_their_floor():
    settled = agency_of(settled_model(), "a").settled_fixed_base_gbp_per_year
    # the cut of 0.2m, less the 2% contingency it no longer needs, comes out of the fixed base
    assert fixed_base_in_year_one(-0.05, 0.6) == pytest.approx(settled - 0.05 * 4.0e6 * (1 - 0.02), rel=1e-9)
    assert fixed_base_in_year_one(-0.5, 0.6) == pytest.approx(0.6 * settled, rel=1e-9)
    assert fixed_base_in_year_one(-0.05, 1.0) == pytest.approx(settled, rel=1e-9)  # nothing may close
    assert fixed_base_in_year_one(0.2, 0.6) == pytest.approx(settled, rel=1e-9)  # growth buys no new services


def with_needs_scaled(model: PlaceModel, factor: float) -> PlaceModel:
    """From the next quarter on, every citizen's need (and the baseline it returns to) times `factor`."""
    population = model.population
    population.needs[...] = np.minimum(population.needs * factor, 1.0)
    population.pull[...] = 0.1 * population.needs  # the builders' recovery of 0.1, no drift
    return model


def test_capacity_is_decommissioned_at_a_year_start_and_its_exit_cost_paid_that_quarter():
    model = settled_model()
    a = agency_of(model, "a")
    before = a.capacity["x"].capacity_gbp
    stepped(with_needs_scaled(model, 0.8), 5)  # demand falls by two thirds; year 2 opens in step 5
    assert a.capacity["x"].capacity_gbp == pytest.approx(0.9 * before)  # lag 0, at most 10% a year
    exit_cost = flows_of(model, "decommissioning", domain="x", destination=SERVICES)
    assert exit_cost["step"].tolist() == [5]
    assert exit_cost["amount"].sum() == pytest.approx(0.25 * 0.6 * 0.1 * before * 4)


def test_a_quarter_without_demand_counts_towards_decommissioning():
    model = settled_model()
    a = agency_of(model, "a")
    before = a.capacity["x"].capacity_gbp
    stepped(with_needs_scaled(model, 0.0), 5)
    assert a.capacity["x"].capacity_gbp == pytest.approx(0.9 * before)


@pytest.mark.parametrize(("year_one_change", "under_controls"), [(0.2, False), (-0.5, True)])
def test_a_body_that_ended_the_year_under_spending_controls_commissions_no_capacity(year_one_change, under_controls):
    model = settled_model({"settlement.path": {"a": [year_one_change]}})
    a = agency_of(model, "a")
    before = a.capacity["x"].capacity_gbp
    stepped(with_needs_scaled(model, 1.2), 4)  # demand rises by three quarters
    assert a.purse.year.controls is under_controls  # a cut of half the budget runs out of money
    stepped(model, 1)
    assert a.capacity["x"].capacity_gbp == pytest.approx(before if under_controls else 1.2 * before)


# -- the shared warm-up ---------------------------------------------------------------------------
SHARING_THE_DEFAULT_WARM_UP = (
    "total_place_pilot.yaml", "pooled.yaml", "pooled_devolved_gainshare.yaml", "austerity_2010.yaml",
)  # fmt: skip


def settled_state(file_name: str) -> dict[str, object]:
    model = PlaceModel(ROOT / "scenarios" / file_name, seed=3, population_sample=2000)
    state: dict[str, object] = {"needs": model.population.needs.copy(), "pull": model.population.pull.copy()}
    for agency in model.agency_list:
        state[f"{agency.agency_id} fixed base"] = agency.fixed_base_gbp_per_year
        state[f"{agency.agency_id} settled fixed base"] = agency.settled_fixed_base_gbp_per_year
        for domain, line in agency.capacity.items():
            history = tuple(line.demand_history)
            state[f"{agency.agency_id} capacity {domain}"] = (line.capacity_gbp, line.settled_gbp, history)
    return state


def test_every_scenario_sharing_the_default_warm_up_starts_from_one_settled_state():
    reference, *others = (settled_state(name) for name in SHARING_THE_DEFAULT_WARM_UP)
    for name, state in zip(SHARING_THE_DEFAULT_WARM_UP[1:], others, strict=True):
        assert state.keys() == reference.keys(), name
        for key, value in reference.items():
            if isinstance(value, np.ndarray):
                assert np.array_equal(state[key], value), f"{name}: {key}"
            else:
                assert state[key] == value, f"{name}: {key}"  # bit for bit


def test_quarter_one_of_the_default_scenario_shows_no_burst():
    model = PlaceModel(ROOT / "scenarios" / "total_place_pilot.yaml", population_sample=10_000, steps=8)
    spend = np.array([stepped(model, 1).spend_this_quarter_gbp for _ in range(8)])
    # Measured when this test was written, over seeds 1-20 at 10,000 citizens: quarter 1 against the
    # mean of quarters 2-8 is off by -0.3% on average with a standard deviation of 0.5% (sampling
    # noise: quarters differ from each other by about 0.5%). An unsettled start is unmistakable:
    # with no warm-up quarter 1 spends 120-125% more than the quarters after it. A bound of 2% is four
    # standard deviations of the noise, far below any burst.
    assert abs(spend[0] / spend[1:].mean() - 1.0) < 0.02
