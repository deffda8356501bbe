"""Deadweight: untreated counterfactual cohorts stepped with the population's own shocks, resolved after a year."""

from __future__ import annotations

import numpy as np
import pytest

from sim.model.deadweight import ANY_DOMAIN, HORIZON_QUARTERS, Counterfactuals
from sim.model.ledger import CENTRE, POOL
from sim.model.model import PlaceModel
from sim.model.population import Population
from tests import builders

X, Y = 0, 1


def moving_model() -> PlaceModel:
    """200 citizens whose needs drift, cascade and take shocks, with nobody helped: no acute
    effect, no prevention, no pool."""
    changes = {
        "domains.x.noise_sd": 0.05, "domains.y.noise_sd": 0.08,
        "domains.x.drift": 0.01, "domains.y.drift": -0.005,
        "domains.x.recovery": 0.2, "domains.y.recovery": 0.05,
    }  # fmt: skip
    scenario = builders.scenario(changes, cascades={"x": {"y": 0.1}}, population=200)
    needs = np.random.default_rng(5).uniform(0.0, 0.6, (2, 200))
    return builders.model_with_needs(scenario, needs)


def test_a_cohort_follows_exactly_what_its_citizens_do_without_help():
    model = moving_model()
    citizens = np.arange(0, 200, 3)
    before = model.population.needs[:, citizens].copy()
    model.remember_untreated("package", citizens, ANY_DOMAIN)
    for _ in range(HORIZON_QUARTERS - 1):
        model.step()
        [cohort] = model.counterfactuals.open
        np.testing.assert_allclose(cohort.needs, model.population.needs[:, citizens], rtol=0, atol=1e-6)
    assert np.abs(model.population.needs[:, citizens] - before).max() > 0.05  # the needs did move


PREVENTION = builders.SILO_PREVENTION
WINDOW_NEEDS = builders.WINDOW_NEEDS


def test_silo_prevention_opens_a_cohort_of_the_treated_with_their_needs_before_treatment():
    model = builders.model_with_needs(builders.scenario(PREVENTION, population=6), WINDOW_NEEDS)
    model.step()
    [treated] = model.counterfactuals.added
    assert (treated.source, treated.domain) == ("prevention", X)
    cohort = treated
    assert cohort.citizens.tolist() == [1, 2]
    np.testing.assert_allclose(cohort.needs, np.asarray(WINDOW_NEEDS, np.float32)[:, [1, 2]], rtol=1e-6)


def test_a_pool_package_opens_a_whole_person_cohort_with_the_needs_before_the_package():
    changes = {"policy.pool.rule": "need", "policy.pool.rate": 1.0, "policy.pool.package_cost_gbp": 100.0,
               "policy.pool.assessment_cost_gbp": 0.0, "policy.pool.package_effect": 0.5}  # fmt: skip
    model = builders.model_with_needs(builders.scenario(changes, population=6), WINDOW_NEEDS)
    model.ledger.pay(CENTRE, POOL, 100.0, "test")  # one package: citizen 1 (0.45 + 0.3)
    model.pool.buy_packages()
    [treated] = model.counterfactuals.added
    assert (treated.source, treated.domain) == ("package", ANY_DOMAIN)
    cohort = treated
    assert cohort.citizens.tolist() == [1]
    np.testing.assert_allclose(cohort.needs, np.asarray(WINDOW_NEEDS, np.float32)[:, [1]], rtol=1e-6)


def test_warm_up_adds_no_cohort():
    model = moving_model()
    model.warming_up = True
    model.remember_untreated("package", np.array([0, 1]), ANY_DOMAIN)
    assert model.counterfactuals.added == []


def quiet_population(needs: list[list[float]], drift: float = 0.0) -> Population:
    """No noise; recovery 0.1 towards each citizen's own need, plus `drift` a quarter in x and y."""
    changes = {"domains.x.drift": drift, "domains.y.drift": drift}
    scenario = builders.scenario(changes, population=len(needs[0]))
    return builders.model_with_needs(scenario, needs).population


def advance(counterfactuals: Counterfactuals, population: Population, quarters: int) -> None:
    for _ in range(quarters):
        population.evolve()
        counterfactuals.advance(population)


def test_a_cohort_resolves_after_the_horizon_and_not_before():
    population = quiet_population([[0.3, 0.3], [0.0, 0.0]])
    counterfactuals = Counterfactuals()
    counterfactuals.add("prevention", population, np.array([0, 1]), X)
    advance(counterfactuals, population, HORIZON_QUARTERS - 1)
    assert len(counterfactuals.open) == 1
    assert counterfactuals.resolved.treated == {}
    advance(counterfactuals, population, 1)
    assert counterfactuals.open == []
    assert counterfactuals.resolved.treated == {"prevention": 2}


# x: citizen 0 at 0.45 drifts up across 0.5 in the third quarter (0.9 n + 0.045 + 0.02); citizen 1
# at 0.1 settles towards 0.3 and never comes near it. y: citizen 2 crosses, citizen 3 does not.
DRIFTING = [[0.45, 0.1, 0.1, 0.1], [0.1, 0.1, 0.45, 0.1]]


def test_a_citizen_whose_counterfactual_reaches_crisis_is_not_deadweight_and_one_far_below_is():
    population = quiet_population(DRIFTING, drift=0.02)
    counterfactuals = Counterfactuals()
    counterfactuals.add("prevention", population, np.array([0]), X)
    counterfactuals.add("prevention", population, np.array([1]), X)
    advance(counterfactuals, population, HORIZON_QUARTERS)
    resolved = counterfactuals.take_resolved()
    assert resolved.treated == {"prevention": 2}
    assert resolved.deadweight == {"prevention": 1}


def test_a_crossing_in_another_domain_does_not_count_for_prevention():
    population = quiet_population(DRIFTING, drift=0.02)
    counterfactuals = Counterfactuals()
    counterfactuals.add("prevention", population, np.array([2]), X)  # crosses in y only
    advance(counterfactuals, population, HORIZON_QUARTERS)
    assert counterfactuals.take_resolved().deadweight == {"prevention": 1}


def test_a_package_cohort_counts_a_crossing_in_any_domain():
    population = quiet_population(DRIFTING, drift=0.02)
    counterfactuals = Counterfactuals()
    counterfactuals.add("package", population, np.array([0, 2, 3]), ANY_DOMAIN)
    advance(counterfactuals, population, HORIZON_QUARTERS)
    resolved = counterfactuals.take_resolved()
    assert resolved.treated == {"package": 3}
    assert resolved.deadweight == {"package": 1}  # only citizen 3, who crosses nowhere


def test_a_counterfactual_that_reaches_crisis_and_falls_back_is_still_not_deadweight():
    # baseline 0.2, need 0.55: 0.9 * 0.55 + 0.02 = 0.515 (crisis) in the first quarter, 0.4835 in the second
    population = quiet_population([[0.2], [0.0]])
    population.needs[X, 0] = 0.55
    counterfactuals = Counterfactuals()
    counterfactuals.add("prevention", population, np.array([0]), X)
    advance(counterfactuals, population, 2)
    assert counterfactuals.open[0].needs[X, 0] < 0.5
    advance(counterfactuals, population, HORIZON_QUARTERS - 2)
    assert counterfactuals.take_resolved().deadweight == {"prevention": 0}


def test_deadweight_is_counted_by_source():
    population = quiet_population(DRIFTING, drift=0.02)
    counterfactuals = Counterfactuals()
    counterfactuals.add("prevention", population, np.array([0, 1]), X)
    counterfactuals.add("package", population, np.array([1, 3]), ANY_DOMAIN)
    advance(counterfactuals, population, HORIZON_QUARTERS)
    resolved = counterfactuals.take_resolved()
    assert resolved.treated == {"prevention": 2, "package": 2}
    assert resolved.deadweight == {"prevention": 1, "package": 2}


def test_take_resolved_hands_over_the_count_and_starts_a_new_one():
    population = quiet_population(DRIFTING, drift=0.02)
    counterfactuals = Counterfactuals()
    counterfactuals.add("prevention", population, np.array([0, 1]), X)
    advance(counterfactuals, population, HORIZON_QUARTERS)
    assert counterfactuals.take_resolved().treated == {"prevention": 2}
    again = counterfactuals.take_resolved()
    assert again.treated == {} and again.deadweight == {}


def test_citizens_treated_in_one_quarter_by_several_services_are_carried_as_one_cohort():
    population = quiet_population(DRIFTING, drift=0.02)
    counterfactuals = Counterfactuals()
    counterfactuals.add("prevention", population, np.array([0, 1]), X)
    counterfactuals.add("prevention", population, np.array([2]), Y)
    counterfactuals.add("package", population, np.array([3]), ANY_DOMAIN)
    advance(counterfactuals, population, 1)
    [cohort] = counterfactuals.open
    assert cohort.citizens.tolist() == [0, 1, 2, 3]
    assert cohort.domains.tolist() == [X, X, Y, ANY_DOMAIN]
    counterfactuals.add("prevention", population, np.array([0]), X)
    advance(counterfactuals, population, 1)
    assert [c.age for c in counterfactuals.open] == [2, 1]


def test_an_unknown_source_of_treatment_is_refused():
    population = quiet_population(DRIFTING)
    with pytest.raises(ValueError, match="unknown source"):
        Counterfactuals().add("luck", population, np.array([0]), X)
