"""Citizens as arrays: the initial draw, need dynamics, thresholds and the closed-form limit."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import special

from sim.model.model import PlaceModel
from sim.model.population import (
    QUANTILE_GRID,
    Population,
    beta_quantile_of_normal,
    cascade_matrix,
    transition_matrix,
)
from tests import builders


def population(scenario, n=1000, seed=0) -> Population:
    return Population(scenario, n, np.random.default_rng(seed))


def with_needs(scenario, needs) -> Population:
    """A population whose needs are `needs` now, its baseline still the initial draw."""
    pop = population(scenario, n=np.shape(needs)[1])
    pop.needs[...] = np.asarray(needs, dtype=np.float32)
    return pop


# -- initial draw ----------------------------------------------------------------------------
def test_initial_needs_lie_in_the_unit_interval():
    pop = population(builders.scenario({"domains.x.initial_concentration": 0.5}), n=20_000)
    assert pop.needs.dtype == np.float32
    assert pop.needs.shape == (2, 20_000)
    assert pop.needs.min() >= 0.0 and pop.needs.max() <= 1.0


def test_initial_needs_have_the_beta_marginal_means():
    scenario = builders.scenario({"domains.x.initial_mean": 0.1, "domains.y.initial_mean": 0.4})
    means = population(scenario, n=50_000).needs.mean(axis=1)
    np.testing.assert_allclose(means, [0.1, 0.4], atol=0.005)


def test_copula_correlation_makes_needs_co_occur():
    correlated = population(builders.scenario({"population.copula_correlation": 0.8}), n=20_000).needs
    independent = population(builders.scenario({"population.copula_correlation": 0.0}), n=20_000).needs
    assert np.corrcoef(correlated)[0, 1] > 0.6
    assert abs(np.corrcoef(independent)[0, 1]) < 0.03


@pytest.mark.parametrize("mean", [0.02, 0.1, 0.4, 0.9])
@pytest.mark.parametrize("concentration", [0.5, 2.0, 20.0, 200.0])
def test_beta_quantile_lookup_matches_the_exact_quantile(mean, concentration):
    alpha, beta = mean * concentration, (1.0 - mean) * concentration
    latent = np.linspace(-6.0, 6.0, 20_001)  # beyond 6 sd: fewer than 1 in 10^9 citizens
    exact = special.betaincinv(alpha, beta, special.ndtr(latent))
    looked_up = np.interp(latent, QUANTILE_GRID, beta_quantile_of_normal(alpha, beta))
    np.testing.assert_allclose(looked_up, exact, rtol=0, atol=1e-5)


def test_weight_is_residents_per_simulated_citizen():
    assert population(builders.scenario(population=50_000), n=200).weight == 250.0


def test_needs_by_citizen_is_the_transposed_view_without_copy():
    pop = population(builders.scenario(), n=10)
    view = pop.needs_by_citizen
    assert view.shape == (10, 2)
    view[3, 1] = 0.75
    assert pop.needs[1, 3] == np.float32(0.75)


# -- dynamics --------------------------------------------------------------------------------
def test_cascade_matrix_reads_source_to_target():
    scenario = builders.scenario(cascades={"x": {"y": 0.1}})
    np.testing.assert_array_equal(cascade_matrix(scenario), [[0.0, 0.1], [0.0, 0.0]])
    np.testing.assert_allclose(transition_matrix(scenario), [[0.9, 0.0], [0.1, 0.9]])


def test_cascades_raise_growth_in_the_target_domain_only():
    plain = population(builders.scenario(), seed=3)
    cascading = population(builders.scenario(cascades={"x": {"y": 0.1}}), seed=3)
    source = plain.needs[0].copy()
    plain.evolve()
    cascading.evolve()
    np.testing.assert_array_equal(cascading.needs[0], plain.needs[0])
    np.testing.assert_allclose(cascading.needs[1] - plain.needs[1], 0.1 * source, atol=1e-6)
    assert np.all(cascading.needs[1] >= plain.needs[1])


def test_recovery_pulls_need_back_towards_the_baseline():
    pop = population(builders.scenario({"domains.x.recovery": 0.25}), n=100)
    baseline = pop.needs.copy()
    pop.needs[...] = 1.0
    pop.evolve()
    np.testing.assert_allclose(pop.needs[0], 0.75 + 0.25 * baseline[0], atol=1e-6)


def test_drift_adds_need_each_step():
    pop = population(builders.scenario({"domains.y.drift": 0.02}), n=100)
    before = pop.needs.copy()
    pop.evolve()
    np.testing.assert_allclose(pop.needs[1] - before[1], 0.02, atol=1e-6)
    np.testing.assert_allclose(pop.needs[0], before[0], atol=1e-6)


def test_noise_has_the_domain_standard_deviation():
    scenario = builders.scenario({"domains.x.noise_sd": 0.05, "domains.x.initial_concentration": 200.0})
    pop = population(scenario, n=50_000)
    before = pop.needs.copy()
    pop.evolve()
    shocks = pop.needs - before
    assert shocks[0].std() == pytest.approx(0.05, rel=0.03)
    assert abs(shocks[0].mean()) < 0.002
    np.testing.assert_allclose(shocks[1], 0.0, atol=1e-6)


def test_evolve_clips_needs_to_the_unit_interval():
    pop = population(builders.scenario({"domains.x.drift": 1.0, "domains.y.drift": -1.0}), n=100)
    pop.evolve()
    assert np.all(pop.needs[0] == 1.0)
    assert np.all(pop.needs[1] == 0.0)


# -- thresholds ------------------------------------------------------------------------------
def test_thresholds_split_no_need_prevention_window_and_crisis():
    levels = [0.0, 0.2499, 0.25, 0.4999, 0.5, 1.0]
    pop = with_needs(builders.scenario(), [levels, levels])
    assert pop.prevention_window(0).tolist() == [False, False, True, True, False, False]
    assert pop.crisis_mask(0).tolist() == [False, False, False, False, True, True]


def test_reduce_need_removes_a_share_of_the_chosen_citizens_need():
    pop = with_needs(builders.scenario(), [[0.4, 0.8, 0.6], [0.5, 0.5, 0.5]])
    pop.reduce_need(0, np.array([0, 2]), 0.25)
    np.testing.assert_allclose(pop.needs, [[0.3, 0.8, 0.45], [0.5, 0.5, 0.5]], rtol=1e-6)


# -- analytic limit --------------------------------------------------------------------------
def closed_form(transition: np.ndarray, start: np.ndarray, pull: np.ndarray, t: int) -> np.ndarray:
    """n_t = A^t n_0 + sum_{k<t} A^k pull."""
    result = np.linalg.matrix_power(transition, t) @ start
    for k in range(t):
        result += np.linalg.matrix_power(transition, k) @ pull
    return result


@pytest.mark.parametrize("behaviour", [False, True], ids=["plain", "with-events-households-targeting"])
def test_needs_follow_the_closed_form_recurrence_without_budgets_noise_or_effects(behaviour):
    """Crisis events, households, assessment error, take-up and queues change who is counted and
    treated, never the need dynamics: with every effect 0 the closed form holds with them on too."""
    quiet = {"initial_mean": 0.15, "initial_concentration": 30.0, "prevention_threshold": 0.1,
             "crisis_threshold": 0.2, "acute_effect": 0.0, "prevention_effect": 0.0}  # fmt: skip
    if behaviour:
        quiet |= {"events": {"repeat_rate": 1.5, "frailty_shape": 0.3}, "take_up": 0.5}
    agency_extra = {"assessment_error_sd": 0.1, "prevention_slots_per_quarter": {"y": 100.0}} if behaviour else {}
    households = {"population.households": {"size_shares": [0.3, 0.4, 0.3], "correlation": 0.2}} if behaviour else {}
    scenario = builders.scenario(
        {"policy.ring_fence_share": 0.5, **households},
        domains={
            "x": builders.domain(**quiet, recovery=0.2, drift=0.004),
            "y": builders.domain(**quiet, recovery=0.1),
            "z": builders.domain(**quiet, recovery=0.3, drift=0.002),
        },
        agencies={
            "a": builders.agency({"x": 1.0, "y": 0.5}, budget_rule="control_total", **agency_extra),
            "b": builders.agency({"y": 0.5, "z": 1.0}, budget_rule="control_total"),
        },
        cascades={"x": {"y": 0.05}, "y": {"z": 0.04}, "z": {"x": 0.03}},
        sample=3000,
    )
    model = PlaceModel(scenario, seed=11)
    start = model.population.needs.astype(np.float64)
    recovery = np.array([0.2, 0.1, 0.3])[:, None]
    pull = recovery * start + np.array([0.004, 0.0, 0.002])[:, None]
    transition = transition_matrix(scenario)
    for t in range(1, 21):
        model.step()
        expected = closed_form(transition, start, pull, t)
        assert expected.min() > 0.0 and expected.max() < 1.0, "clipping would bind: pick other parameters"
        np.testing.assert_allclose(model.population.needs, expected, rtol=0, atol=2e-6)
    # the crisis response did run (paid for by support from the centre), it just removed no need
    assert model.crises.counts["x"] > 0
    if behaviour:
        assert model.crises.counts["x"] > model.crises.people["x"]  # repeat events were drawn
    assert model.agency_list[0].purse.owed_to_centre_gbp > 0
