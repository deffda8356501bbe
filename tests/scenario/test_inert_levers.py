"""Levers that are set but cannot act are found and named."""

from __future__ import annotations

import pytest

from sim.model import run
from sim.scenario import with_overrides
from sim.scenario.inert_levers import InertLeverWarning, inert_levers


def fields(scenario, **overrides) -> list[str]:
    changed = with_overrides(scenario, {key.replace("__", "."): v for key, v in overrides.items()})
    return [path for path, _ in inert_levers(changed)]


def test_a_pool_rule_with_a_rate_of_zero_is_named(small_scenario):
    assert fields(small_scenario, policy__pool__rule="need", policy__pool__rate=0.0) == ["policy.pool.rate"]


def test_a_rate_or_gain_share_without_a_pool_is_named(small_scenario):
    found = fields(small_scenario, policy__pool__rule="silo", policy__pool__rate=0.3, policy__pool__gain_share=True)
    assert found == ["policy.pool.rate", "policy.pool.gain_share"]


def test_a_pool_with_no_members_is_named(small_scenario):
    found = fields(small_scenario, policy__pool__rule="need", policy__pool__rate=0.3, policy__pool__members=[])
    assert found == ["policy.pool.members"]


def test_levers_that_act_are_not_named(small_scenario, small_pooled_scenario):
    assert inert_levers(small_scenario) == []
    assert inert_levers(small_pooled_scenario) == []


def test_run_warns_of_an_inert_lever(small_scenario):
    nothing_pooled = with_overrides(small_scenario, {"policy.pool.rule": "need", "policy.pool.rate": 0.0})
    with pytest.warns(InertLeverWarning, match="policy.pool.rate"):
        run(nothing_pooled, steps=2)
