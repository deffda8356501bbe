"""A draw applied to a scenario (sim/calibration/parameters.py): wildcards, set, add, multiply, and
the reference values that keep a draw's meaning when the scenario's defaults move."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.calibration.parameters import apply_draw, expand, reference_values
from sim.calibration.spec import FreeParameter
from sim.scenario import Scenario, ScenarioError, with_overrides


def parameter(applies: str, low: float = 0.5, high: float = 2.0) -> FreeParameter:
    return FreeParameter(prior="uniform", low=low, high=high, applies=applies, source="test")


def test_a_wildcard_names_every_domain_and_skips_those_without_the_field(small_scenario: Scenario) -> None:
    paths = expand("domains.*.events.frailty_shape", small_scenario.model_dump(mode="json"))
    assert "domains.work.events.frailty_shape" not in paths  # work's events have no frailty
    assert len(paths) == len(small_scenario.domains) - 1
    assert expand("learning.rate", small_scenario.model_dump(mode="json")) == ["learning.rate"]


def test_a_path_without_a_wildcard_must_exist(small_scenario: Scenario) -> None:
    with pytest.raises(KeyError, match="learning.rat"):
        expand("learning.rat", small_scenario.model_dump(mode="json"))


def test_multiply_keeps_the_differences_between_domains(small_scenario: Scenario) -> None:
    drawn = apply_draw(small_scenario, {"domains.*.prevention_effect": parameter("multiply")}, {"domains.*.prevention_effect": 1.5})
    for name, domain in small_scenario.domains.items():
        assert drawn.domains[name].prevention_effect == pytest.approx(domain.prevention_effect * 1.5)


def test_add_moves_every_threshold_by_the_draw(small_scenario: Scenario) -> None:
    drawn = apply_draw(small_scenario, {"domains.*.crisis_threshold": parameter("add", -0.1, 0.1)}, {"domains.*.crisis_threshold": 0.05})
    for name, domain in small_scenario.domains.items():
        assert drawn.domains[name].crisis_threshold == pytest.approx(domain.crisis_threshold + 0.05)


def test_set_replaces_the_value(small_scenario: Scenario) -> None:
    drawn = apply_draw(small_scenario, {"learning.rate": parameter("set", 0.01, 0.5)}, {"learning.rate": 0.3})
    assert drawn.learning.rate == 0.3


def test_a_draw_the_schema_refuses_raises_a_scenario_error(small_scenario: Scenario) -> None:
    with pytest.raises(ScenarioError, match="take_up"):
        apply_draw(small_scenario, {"domains.*.take_up": parameter("multiply", 1, 5)}, {"domains.*.take_up": 4.0})


def test_reference_values_give_a_draw_the_same_meaning_on_moved_defaults(small_scenario: Scenario) -> None:
    parameters = {"domains.*.prevention_effect": parameter("multiply")}
    reference = reference_values(small_scenario, parameters)
    moved = with_overrides(small_scenario, {f"{path}": value * 1.3 for path, value in reference.items()})
    on_original = apply_draw(small_scenario, parameters, {"domains.*.prevention_effect": 0.8})
    on_moved = apply_draw(moved, parameters, {"domains.*.prevention_effect": 0.8}, reference)
    assert on_moved.domains == on_original.domains


@settings(max_examples=25, deadline=None)
@given(shift=st.floats(-0.05, 0.05), factor=st.floats(0.5, 2.0))
def test_a_draw_changes_only_the_paths_it_names(small_scenario: Scenario, shift: float, factor: float) -> None:
    parameters = {"domains.*.crisis_threshold": parameter("add", -0.05, 0.05), "domains.*.recovery": parameter("multiply")}
    drawn = apply_draw(small_scenario, parameters, {"domains.*.crisis_threshold": shift, "domains.*.recovery": factor})
    for name, domain in small_scenario.domains.items():
        untouched = {"crisis_threshold", "recovery"}
        assert drawn.domains[name].model_dump(exclude=untouched) == domain.model_dump(exclude=untouched)
    assert drawn.model_dump(exclude={"domains"}) == small_scenario.model_dump(exclude={"domains"})
