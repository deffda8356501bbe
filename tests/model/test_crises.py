"""Crises: who is in crisis, what answering costs at place scale, and what the response removes."""

from __future__ import annotations

import numpy as np
import pytest

from sim.model.crises import detect_crises, stabilise
from sim.model.population import Population
from tests import builders

NEEDS = [[0.6, 0.8, 0.1, 0.5, 0.49], [0.0, 0.5, 0.7, 0.2, 1.0]]


def population(scenario, needs=NEEDS) -> Population:
    pop = Population(scenario, len(needs[0]), np.random.default_rng(0))
    pop.needs[...] = np.asarray(needs, dtype=np.float32)
    return pop


def test_crises_are_citizens_at_or_above_the_crisis_threshold():
    report = detect_crises(population(builders.scenario()), builders.scenario())
    assert report.masks["x"].tolist() == [True, True, False, True, False]
    assert report.masks["y"].tolist() == [False, True, True, False, True]
    assert report.counts == {"x": 3, "y": 3}


def test_acute_cost_is_scaled_by_severity_and_weight():
    scenario = builders.scenario({"domains.y.unit_cost_gbp": 2000.0}, population=50)  # weight 10
    report = detect_crises(population(scenario), scenario)
    assert report.demand_gbp["x"] == pytest.approx(1000.0 * (0.6 + 0.8 + 0.5) * 10, rel=1e-6)
    assert report.demand_gbp["y"] == pytest.approx(2000.0 * (0.5 + 0.7 + 1.0) * 10, rel=1e-6)


def test_no_crisis_costs_nothing():
    scenario = builders.scenario()
    report = detect_crises(population(scenario, [[0.1, 0.2], [0.3, 0.4]]), scenario)
    assert report.counts == {"x": 0, "y": 0}
    assert report.demand_gbp == {"x": 0.0, "y": 0.0}


def test_stabilise_removes_the_acute_effect_from_crisis_needs_only():
    scenario = builders.scenario({"domains.x.acute_effect": 0.5, "domains.y.acute_effect": 0.25})
    pop = population(scenario)
    stabilise(pop, scenario, detect_crises(pop, scenario))
    expected = [[0.3, 0.4, 0.1, 0.25, 0.49], [0.0, 0.375, 0.525, 0.2, 0.75]]
    np.testing.assert_allclose(pop.needs, expected, rtol=1e-6)


def test_stabilise_counts_crisis_episodes_per_citizen():
    scenario = builders.scenario()
    pop = population(scenario)
    stabilise(pop, scenario, detect_crises(pop, scenario))
    stabilise(pop, scenario, detect_crises(pop, scenario))
    assert pop.crisis_episodes.tolist() == [2, 4, 2, 2, 2]
