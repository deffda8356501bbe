"""Crisis events: 1 + Poisson repeats whose hazard rises with need and with a persistent Gamma frailty,
drawn by inverting the Poisson distribution at common random numbers."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy import stats

from sim.model.concentration import top_share
from sim.model.crises import detect_crises
from sim.model.events import crisis_events, crisis_events_by_domain, draw_frailty, poisson_quantile, repeat_rate
from sim.model.population import Population
from sim.scenario.schema import Scenario
from tests import builders
from tests.strategies import PROPERTY_SETTINGS, scenario_data

LARGE = 200_000  # citizens for distributional checks, drawn directly from the functions
THRESHOLD = 0.5  # the builders' crisis threshold (exact in float32)


def events_scenario(**events) -> Scenario:
    """The tiny place with crisis-event settings `events` in domain x."""
    return builders.scenario({"domains.x.events": events})


def events_of_a_crowd(need: float, seed: int = 0, n: int = LARGE, **events) -> np.ndarray:
    """Events of one quarter for `n` citizens all at `need` in domain x (frailty and uniforms as the
    population draws them)."""
    scenario = events_scenario(**events)
    rng = np.random.default_rng(seed)
    frailty = draw_frailty(scenario, n, rng)[0]
    uniform = rng.random(n, dtype=np.float32)
    needs = np.full(n, need, dtype=np.float32)
    return crisis_events(needs, needs >= THRESHOLD, frailty, uniform, scenario.domains["x"], THRESHOLD)


def population_with_needs(scenario: Scenario, needs, seed: int = 0) -> Population:
    """A population whose needs are `needs` ([D, N]), with this quarter's draws made."""
    needs = np.asarray(needs, dtype=np.float32)
    population = Population(scenario, needs.shape[1], np.random.default_rng(seed))
    population.needs[...] = needs
    population.draw_quarter()
    return population


# -- the Poisson quantile ------------------------------------------------------------------------
def test_poisson_quantile_matches_scipy_on_a_grid():
    rates = np.array([0.0, 1e-3, 0.05, 0.3, 1.0, 2.5, 7.0, 20.0, 80.0, 300.0])
    uniforms = (np.arange(2000) + 0.5) / 2000
    rate, uniform = (grid.ravel() for grid in np.meshgrid(rates, uniforms))
    expected = stats.poisson.ppf(uniform, rate)
    np.testing.assert_array_equal(poisson_quantile(uniform, rate), expected)


def test_poisson_quantile_matches_scipy_at_float32_uniforms():
    rng = np.random.default_rng(4)
    uniform = rng.random(50_000, dtype=np.float32)
    rate = rng.uniform(0.0, 30.0, 50_000)
    np.testing.assert_array_equal(poisson_quantile(uniform, rate), stats.poisson.ppf(uniform.astype(np.float64), rate))


def test_poisson_quantile_matches_scipy_at_rates_beyond_exp_underflow():
    uniform = np.array([0.05, 0.5, 0.95])
    rate = np.full(3, 800.0)
    np.testing.assert_array_equal(poisson_quantile(uniform, rate), stats.poisson.ppf(uniform, rate))


# -- the hazard and the frailty ------------------------------------------------------------------
def test_repeat_rate_is_rate_times_frailty_times_severity_to_the_elasticity():
    need, frailty = np.array([0.5, 0.75, 1.0]), np.array([1.0, 2.0, 0.5])
    np.testing.assert_allclose(repeat_rate(need, frailty, 0.4, 0.5, 2.0), [0.4, 0.4 * 2.0 * 1.5**2, 0.4 * 0.5 * 4.0])
    np.testing.assert_allclose(repeat_rate(need, frailty, 0.4, 0.5, 1.0), [0.4, 0.4 * 2.0 * 1.5, 0.4 * 0.5 * 2.0])


def test_frailty_has_mean_one_and_variance_one_over_shape_and_is_one_without_a_shape():
    scenario = events_scenario(repeat_rate=1.0, frailty_shape=0.5)
    frailty = draw_frailty(scenario, LARGE, np.random.default_rng(1))
    assert frailty[0].mean() == pytest.approx(1.0, abs=0.01)
    assert frailty[0].var() == pytest.approx(1.0 / 0.5, rel=0.05)
    assert np.all(frailty[1] == 1.0)


# -- the distribution of events --------------------------------------------------------------------
@pytest.mark.parametrize("rate", [0.3, 2.0])
def test_events_in_crisis_are_one_plus_poisson_without_frailty(rate):
    events = events_of_a_crowd(THRESHOLD, repeat_rate=rate).astype(np.float64)
    assert events.mean() == pytest.approx(1.0 + rate, abs=0.015)
    assert events.var() == pytest.approx(rate, rel=0.02)


@pytest.mark.parametrize(("rate", "shape"), [(0.5, 2.0), (2.0, 0.5)])
def test_events_in_crisis_are_one_plus_negative_binomial_under_gamma_frailty(rate, shape):
    events = events_of_a_crowd(THRESHOLD, repeat_rate=rate, frailty_shape=shape).astype(np.float64)
    assert events.mean() == pytest.approx(1.0 + rate, abs=0.02)
    assert events.var() == pytest.approx(rate + rate**2 / shape, rel=0.05)


@pytest.mark.parametrize("elasticity", [0.0, 1.0, 2.5])
def test_repeat_hazard_rises_with_need_by_the_severity_elasticity(elasticity):
    at_threshold = events_of_a_crowd(THRESHOLD, repeat_rate=0.5, severity_elasticity=elasticity)
    at_twice = events_of_a_crowd(2 * THRESHOLD, repeat_rate=0.5, severity_elasticity=elasticity)
    repeats_ratio = (at_twice.mean() - 1.0) / (at_threshold.mean() - 1.0)
    assert repeats_ratio == pytest.approx(2.0**elasticity, rel=0.03)


def test_smaller_frailty_shape_concentrates_events_on_fewer_citizens():
    shares = [
        top_share(events_of_a_crowd(THRESHOLD, repeat_rate=1.0, frailty_shape=shape), 0.01) for shape in (0.2, 1.0, 5.0)
    ]
    assert shares[0] > shares[1] > shares[2]
    assert shares[0] > 2 * shares[2]


# -- who has events --------------------------------------------------------------------------------
def test_citizens_in_crisis_have_at_least_one_event_and_the_others_none():
    scenario = events_scenario(repeat_rate=3.0, frailty_shape=0.5)
    needs = [[0.0, 0.2, 0.4999, 0.5, 0.7, 1.0], [0.9] * 6]
    report = detect_crises(population_with_needs(scenario, needs), scenario)
    events = report.events["x"]
    assert events.dtype == np.uint16
    assert events[:3].tolist() == [0, 0, 0]
    assert np.all(events[3:] >= 1)
    assert events.max() > 1  # the repeats did happen


def test_without_repeats_a_citizen_in_crisis_has_exactly_one_event():
    scenario = events_scenario(repeat_rate=0.0, frailty_shape=0.3, severity_elasticity=3.0)
    needs = np.random.default_rng(2).random((2, 5000))
    report = detect_crises(population_with_needs(scenario, needs), scenario)
    np.testing.assert_array_equal(report.events["x"], (needs[0].astype(np.float32) >= THRESHOLD).astype(np.uint16))


def test_event_counts_are_the_sum_of_events_and_people_the_citizens_in_crisis():
    scenario = events_scenario(repeat_rate=2.0)
    needs = np.random.default_rng(3).random((2, 2000))
    report = detect_crises(population_with_needs(scenario, needs), scenario)
    assert report.counts["x"] == int(report.events["x"].sum(dtype=np.int64))
    assert report.people["x"] == int(report.masks["x"].sum())
    assert report.counts["x"] > report.people["x"]


def test_a_citizen_in_crisis_under_two_populations_of_one_seed_has_the_same_events():
    scenario = builders.scenario({"domains.x.events": {"repeat_rate": 2.0, "frailty_shape": 0.5},
                                  "domains.y.events": {"repeat_rate": 1.0}})  # fmt: skip
    rng = np.random.default_rng(5)
    high = np.full((2, 3000), 0.8)
    mixed = high.copy()
    mixed[0, 1::2] = 0.1  # half the citizens out of crisis in x
    mixed[1] = rng.random(3000)  # and every need in y different
    first = detect_crises(population_with_needs(scenario, high, seed=9), scenario)
    second = detect_crises(population_with_needs(scenario, mixed, seed=9), scenario)
    both = second.masks["x"]
    assert both.sum() == 1500
    np.testing.assert_array_equal(second.events["x"][both], first.events["x"][both])
    assert first.events["x"].max() > 1


def test_demand_is_events_times_need_at_unit_cost_per_reference_severity_times_weight():
    scenario = builders.scenario(
        {"domains.x.events": {"repeat_rate": 1.5, "frailty_shape": 1.0}, "domains.x.reference_severity": 0.8,
         "domains.x.unit_cost_gbp": 1200.0},
        population=4000, sample=400,
    )  # fmt: skip
    needs = np.random.default_rng(6).random((2, 400)).astype(np.float32)
    report = detect_crises(population_with_needs(scenario, needs), scenario)
    events = report.events["x"].astype(np.float64)
    assert events.max() > 1
    expected = float((events * needs[0]).sum()) * 1200.0 / 0.8 * 10.0  # weight 4000 / 400
    assert report.demand_gbp["x"] == pytest.approx(expected, rel=1e-6)


def test_crisis_events_and_their_cost_add_up_over_the_year():
    scenario = builders.scenario({"domains.x.events": {"repeat_rate": 1.0}, "domains.x.reference_severity": 0.5})
    needs = np.random.default_rng(7).random((2, 500))
    population = population_with_needs(scenario, needs)
    first = detect_crises(population, scenario)
    population.draw_quarter()
    second = detect_crises(population, scenario)
    np.testing.assert_array_equal(population.events_this_year[0], first.events["x"] + second.events["x"])
    need = population.needs.astype(np.float64)
    x_events, y_events = (first.events[d] + second.events[d] for d in ("x", "y"))  # needs did not move between
    expected = x_events * need[0] * 1000.0 / 0.5 + y_events * need[1] * 1000.0
    np.testing.assert_allclose(population.cost_this_year, expected, rtol=1e-9)


@st.composite
def scenarios_with_events(draw: st.DrawFn) -> Scenario:
    """A random valid small scenario with random crisis-event settings in every domain."""
    data = draw(scenario_data())
    for domain in data["domains"].values():
        domain["events"] = {
            "repeat_rate": draw(st.sampled_from([0.0]) | st.floats(0.0, 20.0)),
            "severity_elasticity": draw(st.floats(0.0, 5.0)),
            "frailty_shape": draw(st.none() | st.floats(0.05, 50.0)),
        }
    return Scenario.model_validate(data)


@given(scenarios_with_events(), st.integers(0, 3), st.integers(0, 2**32 - 1))
@PROPERTY_SETTINGS
def test_events_are_at_least_one_exactly_where_need_reaches_the_crisis_threshold(scenario, quarters, seed):
    population = Population(scenario, scenario.run.population_sample, np.random.default_rng(seed))
    for _ in range(quarters):
        population.evolve()
    population.needs[:, :10] = population.crisis_threshold[:, None]  # some exactly at the threshold
    population.draw_quarter()
    report = detect_crises(population, scenario)
    for row, name in enumerate(scenario.domain_names):
        in_crisis = population.needs[row] >= population.crisis_threshold[row]
        np.testing.assert_array_equal(report.events[name] >= 1, in_crisis)


@given(seed=st.integers(0, 2**32 - 1), repeat=st.sampled_from([0.0, 0.5, 3.0, 100.0]))
@PROPERTY_SETTINGS
def test_every_domain_at_once_gives_each_domain_the_events_it_gets_alone(seed: int, repeat: float):
    """The batched inversion (one Poisson loop for all domains) is the per-domain one, count for count,
    from a domain without repeats to the schema's largest rate with a heavy-tailed frailty."""
    scenario = builders.scenario({"domains.x.events": {"repeat_rate": repeat, "frailty_shape": 0.2}})
    rng = np.random.default_rng(seed)
    domains = list(scenario.domains.values())
    n = 300
    needs = rng.uniform(0.3, 1.0, (len(domains), n)).astype(np.float32)
    frailty = draw_frailty(scenario, n, rng)
    uniforms = rng.random((len(domains), n), dtype=np.float32)
    masks = [needs[row] >= THRESHOLD for row in range(len(domains))]
    thresholds = [THRESHOLD] * len(domains)
    together = crisis_events_by_domain(needs, masks, frailty, uniforms, domains, thresholds)
    for row, domain in enumerate(domains):
        alone = crisis_events(needs[row], masks[row], frailty[row], uniforms[row], domain, THRESHOLD)
        np.testing.assert_array_equal(together[row], alone)
