"""Savings as partners see them: the business case's claim and each member's lagged, noisy estimate."""

from __future__ import annotations

import numpy as np
import pytest

from sim.model.agencies import ServiceAgency
from sim.model.model import PlaceModel
from sim.model.savings_estimate import BusinessCase, ObservedSavings, closeness_to_crisis, persistence_quarters
from sim.scenario.schema import SavingsEvaluation
from tests import builders

BASELINE = 1000.0


def agency_of(model: PlaceModel, agency_id: str) -> ServiceAgency:
    return model.agencies_by_id([agency_id])[0]


def estimator(
    lag: int = 0, noise: float = 0.0, attribution: float = 1.0, seed: int = 0
) -> tuple[ObservedSavings, ServiceAgency]:
    """Agency a's estimator against a baseline of 1000 a quarter, acute spend to be set by hand."""
    model = builders.model_with_needs(builders.scenario(population=4), np.zeros((2, 4)), seed=seed)
    settings = SavingsEvaluation(lag_quarters=lag, noise_sd_share=noise, attribution_share=attribution)
    savings = ObservedSavings(model, settings)
    savings.baseline["a"] = BASELINE
    return savings, agency_of(model, "a")


def estimates_for(spends: list[float], **settings) -> list[float]:
    savings, agency = estimator(**settings)
    estimates = []
    for spend in spends:
        agency.acute_spend_gbp = spend
        savings.observe()
        estimates.append(savings.estimate(agency))
    return estimates


SPENDS = [900.0, 800.0, 1100.0, 600.0, 1000.0]


# -- the estimate ----------------------------------------------------------------------------
def test_the_estimate_is_the_attributed_fall_below_baseline_of_the_spend_lag_quarters_ago():
    estimates = estimates_for(SPENDS, lag=2, attribution=0.5)
    assert estimates[2:] == pytest.approx([0.5 * (BASELINE - s) for s in SPENDS[:3]])


def test_nothing_is_estimated_until_lag_quarters_of_spend_are_known():
    assert estimates_for(SPENDS, lag=3, attribution=0.5)[:3] == [0.0, 0.0, 0.0]


def test_without_lag_the_estimate_reads_this_quarters_spend():
    assert estimates_for(SPENDS, lag=0) == pytest.approx([BASELINE - s for s in SPENDS])


def test_a_rise_above_baseline_reads_as_a_negative_saving():
    assert estimates_for([1200.0], lag=0) == pytest.approx([-200.0])


@pytest.mark.parametrize("share", [0.05, 0.2])
def test_estimate_noise_has_sd_noise_sd_share_of_the_baseline(share):
    savings, agency = estimator(noise=share, seed=3)
    agency.acute_spend_gbp = BASELINE  # no fall: the estimate is all noise
    draws = []
    for _ in range(4000):
        savings.observe()
        draws.append(savings.estimate(agency))
    assert np.mean(draws) == pytest.approx(0.0, abs=4 * share * BASELINE / np.sqrt(4000))
    assert np.std(draws) == pytest.approx(share * BASELINE, rel=0.05)


def test_the_baseline_is_each_members_settled_acute_spend_when_the_estimator_is_made():
    model = builders.model_with_needs(builders.scenario(population=4), np.zeros((2, 4)))
    agency = agency_of(model, "a")
    line = agency.capacity["x"]
    line.capacity_gbp = 2000.0
    line.demand_history.extend([800.0, 1200.0])
    savings = ObservedSavings(model, SavingsEvaluation())
    assert savings.baseline["a"] == pytest.approx(agency.settled_acute_spend_gbp)
    assert savings.baseline["a"] == pytest.approx(1000.0)  # perfectly variable: the mean recent demand


def test_the_settled_acute_spend_is_the_capacity_held_plus_the_variable_cost_of_recent_demand():
    model = builders.model_with_needs(
        builders.scenario({"agencies.a.capacity": {"x": {"variable_share": 0.25}}}, population=4), np.zeros((2, 4))
    )
    agency = agency_of(model, "a")
    line = agency.capacity["x"]
    line.capacity_gbp = 2000.0
    line.demand_history.extend([800.0, 1200.0])
    y_capacity = agency.capacity["y"].fixed_cost_gbp
    assert agency.settled_acute_spend_gbp == pytest.approx(0.75 * 2000.0 + 0.25 * 1000.0 + y_capacity)


# -- the estimate against what happened ------------------------------------------------------
def settled_place(changes: dict) -> PlaceModel:
    """1000 citizens, no noise and no acute effect, so needs and crises stay where they are; agency a
    holds x and y with 1e6 a year, a pool with no money, members' estimates without lag or noise."""
    agencies = {"a": builders.agency({"x": 1.0, "y": 1.0}, budget_gbp_per_year=1e6), "b": builders.agency({})}
    settings = {
        "run.warmup_steps": 4,
        "policy.pool.rule": "need",
        "policy.pool.rate": 0.0,
        "policy.pool.evaluation": {"lag_quarters": 0, "noise_sd_share": 0.0, "attribution_share": 1.0},
        **changes,
    }
    return PlaceModel(builders.scenario(settings, agencies=agencies), seed=1)


def test_a_fall_in_acute_spend_from_rationing_reads_as_a_saving_of_the_pool():
    model = settled_place({"settlement.path": {"a": [-0.5]}})  # the budget halves in year 1
    model.step()
    agency = agency_of(model, "a")
    assert model.pool.packages == 0
    assert sum(model.crises.demand_gbp.values()) == pytest.approx(model.pool.observed_savings.baseline["a"], rel=1e-5)
    assert agency.unmet_statutory_demand > 0  # the same crises, fewer of them paid for
    assert model.pool.observed_savings.estimate(agency) == pytest.approx(agency.unmet_statutory_demand, rel=1e-5)


def test_crises_avoided_show_only_their_variable_cost_while_the_capacity_is_still_paid():
    capacity = {"variable_share": 0.25}
    model = settled_place({"agencies.a.capacity": {"x": capacity, "y": capacity}})
    baseline = model.pool.observed_savings.baseline["a"]
    model.population.needs[...] = 0.0  # every crisis avoided, at no cost to anyone
    model.population.pull[...] = 0.0
    model.step()
    agency = agency_of(model, "a")
    assert sum(model.crises.demand_gbp.values()) == 0.0  # the whole baseline avoided
    assert model.pool.observed_savings.estimate(agency) == pytest.approx(0.25 * baseline, rel=1e-6)


def test_crises_avoided_do_not_show_at_all_when_their_whole_cost_is_capacity():
    capacity = {"variable_share": 0.0}
    model = settled_place({"agencies.a.capacity": {"x": capacity, "y": capacity}})
    model.population.needs[...] = 0.0
    model.population.pull[...] = 0.0
    model.step()
    assert model.pool.observed_savings.baseline["a"] > 0
    assert model.pool.observed_savings.estimate(agency_of(model, "a")) == pytest.approx(0.0, abs=1e-6)


# -- the business case -----------------------------------------------------------------------
def test_persistence_counts_the_quarters_a_one_off_reduction_lasts_within_the_horizon():
    assert persistence_quarters(0.1, 4) == pytest.approx(1 + 0.9 + 0.81 + 0.729)
    assert persistence_quarters(0.0, 12) == 12.0
    assert persistence_quarters(1.0, 12) == pytest.approx(1.0)


def test_closeness_is_zero_at_the_bottom_of_the_window_one_at_the_crisis_threshold_and_clipped():
    needs = np.array([[0.1, 0.25, 0.375, 0.5, 0.9]])
    closeness = closeness_to_crisis(needs, np.array([0.25]), np.array([0.5]))
    np.testing.assert_allclose(closeness, [[0.0, 0.0, 0.5, 1.0, 1.0]])


def test_closeness_uses_each_domains_own_window():
    needs = np.array([[0.3], [0.3]])
    closeness = closeness_to_crisis(needs, np.array([0.2, 0.1]), np.array([0.4, 0.9]))
    np.testing.assert_allclose(closeness, [[0.5], [0.25]])


def test_a_prevention_claim_is_unit_cost_over_severity_times_need_effect_closeness_and_persistence():
    changes = {"domains.x.unit_cost_gbp": 2000.0, "domains.x.reference_severity": 0.5, "domains.x.recovery": 0.2}
    scenario = builders.scenario(changes, population=8)  # four citizens, weight 2
    model = builders.model_with_needs(scenario, [[0.3, 0.45, 0.6, 0.1], [0.4, 0.4, 0.4, 0.4]])
    claim = BusinessCase(model, 8).claim_for_prevention(model.population, 0, np.array([0, 1, 2]), effect=0.4)
    persistence = sum(0.8**k for k in range(8))
    closeness = np.array([0.2, 0.8, 1.0])  # (need - 0.25) / 0.25, clipped
    expected = 2000.0 / 0.5 * persistence * 0.4 * float(np.dot([0.3, 0.45, 0.6], closeness)) * 2
    assert claim == pytest.approx(expected, rel=1e-5)


def test_silo_prevention_claims_on_the_needs_before_treatment_over_the_payback_years():
    scenario = builders.scenario(builders.SILO_PREVENTION, population=4)
    model = builders.model_with_needs(scenario, [[0.3, 0.45, 0.4, 0.1], [0.0] * 4])
    model.step()
    persistence = sum(0.9**k for k in range(4))
    expected = 1000.0 * persistence * 0.5 * (0.45 * 0.8 + 0.4 * 0.6)  # citizens 1 and 2, closeness 0.8 and 0.6
    assert model.claimed_prevention_gbp == pytest.approx(expected, rel=1e-5)
