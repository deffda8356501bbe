"""Culture: the directions of the conditional-cooperation rule for collaboration and trust."""

from __future__ import annotations

import numpy as np
import pytest

from sim.model import learning
from sim.model.model import PlaceModel
from tests import builders

RATE = 0.1


def learning_model(changes: dict | None = None, collaboration: float = 0.5) -> PlaceModel:
    """Two pooling members a (x) and b (y), 1000 a quarter each, one step run, then frozen.

    Every weight of the rule is zero unless a test sets it, learning noise is off, and every
    indicator is at its target (no target miss).
    """
    agencies = {
        "a": builders.agency({"x": 1.0}, budget_gbp_per_year=4000.0, collaboration=collaboration),
        "b": builders.agency({"y": 1.0}, budget_gbp_per_year=4000.0, collaboration=0.5),
    }
    settings = {
        "policy.pool.rule": "need",
        "policy.pool.rate": 0.5,
        "policy.target_pressure": 1.0,
        "learning.rate": RATE,
        "learning.return_weight": 0.0,
        "learning.reciprocity_weight": 0.0,
        "learning.target_weight": 0.0,
        "learning.trust_rate": 0.0,
        "learning.exploration_sd": 0.0,
        **(changes or {}),
    }
    scenario = builders.scenario(settings, agencies=agencies, population=4)
    model = builders.model_with_needs(scenario, [[0.1, 0.2, 0.6, 0.7], [0.1, 0.6, 0.2, 0.1]])
    model.step()
    model.agencies_by_id(["a"])[0].collaboration = collaboration
    set_indicators(model, settled={"x": 10.0, "y": 10.0}, now={"x": 10.0, "y": 10.0})
    return model


def set_indicators(model: PlaceModel, settled: dict[str, float], now: dict[str, float]) -> None:
    """Targets at `settled` and indicators at `now` (crisis events per 1,000 residents a year)."""
    indicators = model.indicators
    indicators.settled = dict(settled)
    for domain, value in now.items():
        indicators.recent[domain].clear()
        indicators.recent[domain].append(value / (indicators.per_thousand * indicators.settings.window_quarters))


def learn_a(model: PlaceModel) -> float:
    agency = model.agencies_by_id(["a"])[0]
    learning.learn(model, agency)
    return agency.collaboration


def set_pool_outcome(model: PlaceModel, contribution: float, savings: float) -> None:
    model.pool.contributions = {"a": contribution, "b": 100.0}
    model.pool.observed_savings.estimates = {"a": savings, "b": 0.0}
    model.pool.gain_share_net = {"a": 0.0, "b": 0.0}


def test_with_every_weight_zero_collaboration_stays_put():
    assert learn_a(learning_model()) == pytest.approx(0.5)


# -- return on pooling -----------------------------------------------------------------------
def test_positive_return_on_pooling_raises_collaboration():
    model = learning_model({"learning.return_weight": 1.0})
    set_pool_outcome(model, contribution=100.0, savings=300.0)
    assert learn_a(model) == pytest.approx(0.5 + RATE * np.tanh(2.0))


def test_a_loss_on_pooling_lowers_collaboration():
    model = learning_model({"learning.return_weight": 1.0})
    set_pool_outcome(model, contribution=100.0, savings=20.0)
    assert learn_a(model) == pytest.approx(0.5 + RATE * np.tanh(-0.8))


def test_net_gain_share_received_counts_as_return():
    model = learning_model({"learning.return_weight": 1.0})
    set_pool_outcome(model, contribution=100.0, savings=0.0)
    model.pool.gain_share_net = {"a": 150.0, "b": -150.0}
    assert learn_a(model) == pytest.approx(0.5 + RATE * np.tanh(0.5))


def test_no_contribution_gives_no_return_signal():
    model = learning_model({"learning.return_weight": 1.0})
    set_pool_outcome(model, contribution=0.0, savings=500.0)
    assert learn_a(model) == pytest.approx(0.5)


# -- silo targets ----------------------------------------------------------------------------
def test_target_pressure_with_an_indicator_above_target_lowers_collaboration():
    model = learning_model({"learning.target_weight": 0.5, "policy.target_pressure": 0.8})
    set_indicators(model, settled={"x": 10, "y": 10}, now={"x": 15, "y": 40})  # a's one domain, x, missed
    assert learn_a(model) == pytest.approx(0.5 - RATE * 0.5 * 0.8 * 1.0)


def test_a_missed_target_without_target_pressure_changes_nothing():
    model = learning_model({"learning.target_weight": 1.0, "policy.target_pressure": 0.0})
    set_indicators(model, settled={"x": 10, "y": 10}, now={"x": 30, "y": 30})
    assert learn_a(model) == pytest.approx(0.5)


def test_an_indicator_below_target_is_no_miss():
    model = learning_model({"learning.target_weight": 1.0})
    set_indicators(model, settled={"x": 10, "y": 10}, now={"x": 2, "y": 30})
    assert learn_a(model) == pytest.approx(0.5)


def test_an_indicator_within_the_margin_is_no_miss():
    model = learning_model({"learning.target_weight": 1.0, "policy.targets.margin": 0.05})
    set_indicators(model, settled={"x": 10, "y": 10}, now={"x": 10.4, "y": 10})
    assert learning.target_miss(model, model.agencies_by_id(["a"])[0]) == 0.0
    set_indicators(model, settled={"x": 10, "y": 10}, now={"x": 10.6, "y": 10})
    assert learning.target_miss(model, model.agencies_by_id(["a"])[0]) == 1.0


def test_target_miss_counts_missed_domains_not_their_size():
    model = learning_model({"learning.target_weight": 1.0})
    agency_a = model.agencies_by_id(["a"])[0]
    set_indicators(model, settled={"x": 10, "y": 10}, now={"x": 100, "y": 10})
    assert learning.target_miss(model, agency_a) == 1.0
    set_indicators(model, settled={"x": 10, "y": 10}, now={"x": 11, "y": 10})
    assert learning.target_miss(model, agency_a) == 1.0


def test_the_targets_are_the_indicators_settled_in_warm_up_and_do_not_follow_last_quarter(small_scenario):
    model = PlaceModel(small_scenario, seed=3)
    settled = dict(model.indicators.settled)
    assert all(value > 0 for value in settled.values())
    for _ in range(3):
        model.step()
    assert {d: model.indicators.target(d, model.steps) for d in settled} == settled


def test_targets_fall_by_the_improvement_each_year(small_scenario):
    model = PlaceModel(small_scenario, seed=3, policy__targets__improvement_per_year=0.1)
    domain = small_scenario.domain_names[0]
    settled = model.indicators.settled[domain]
    assert model.indicators.target(domain, 4) == pytest.approx(settled)
    assert model.indicators.target(domain, 5) == pytest.approx(0.9 * settled)
    assert model.indicators.target(domain, 9) == pytest.approx(0.81 * settled)


# -- reciprocity and trust -------------------------------------------------------------------
@pytest.mark.parametrize(("collaboration", "trust"), [(0.2, 0.9), (0.9, 0.1), (0.5, 0.5)])
def test_reciprocity_moves_collaboration_towards_trust_in_others(collaboration, trust):
    model = learning_model({"learning.reciprocity_weight": 1.0}, collaboration=collaboration)
    model.agencies_by_id(["a"])[0].trust = {"b": trust}
    assert learn_a(model) == pytest.approx(collaboration + RATE * (trust - collaboration))


def test_reciprocity_does_not_act_outside_the_pool():
    model = learning_model({"learning.reciprocity_weight": 1.0, "policy.pool.members": ["b"]}, collaboration=0.2)
    model.agencies_by_id(["a"])[0].trust = {"b": 0.9}
    assert learn_a(model) == pytest.approx(0.2)


def test_trust_moves_towards_what_the_other_reciprocated():
    model = learning_model({"learning.trust_rate": 0.5, "agencies.a.initial_trust": 0.5})
    agency_a, agency_b = model.agencies_by_id(["a", "b"])
    agency_a.trust = {}
    full = 0.5 * agency_b.flexible_income  # what b would pay at full collaboration
    model.pool.contributions = {"a": 0.0, "b": 0.2 * full}
    learning.update_trust(model, agency_a)
    assert agency_a.trust["b"] == pytest.approx(0.5 + 0.5 * (0.2 - 0.5))


def test_free_riding_others_erode_trust_and_then_collaboration():
    model = learning_model({"learning.trust_rate": 0.5, "learning.reciprocity_weight": 1.0}, collaboration=0.6)
    agency_a = model.agencies_by_id(["a"])[0]
    agency_a.trust = {"b": 0.6}
    before = agency_a.collaboration
    for _ in range(3):
        model.pool.contributions = {"a": 100.0, "b": 0.0}
        learning.learn(model, agency_a)
    assert agency_a.trust["b"] == pytest.approx(0.6 * 0.5**3)
    assert agency_a.collaboration < before


def test_collaboration_is_clipped_to_the_unit_interval():
    model = learning_model({"learning.return_weight": 2.0, "learning.rate": 1.0}, collaboration=0.95)
    set_pool_outcome(model, contribution=100.0, savings=10_000.0)
    assert learn_a(model) == 1.0
    model = learning_model({"learning.target_weight": 2.0, "learning.rate": 1.0}, collaboration=0.05)
    set_indicators(model, settled={"x": 1, "y": 1}, now={"x": 5, "y": 5})
    assert learn_a(model) == 0.0
