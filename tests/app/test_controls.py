"""The app's controls: Mesa model_params from a scenario file and the scenario schema."""

from __future__ import annotations

import inspect
from dataclasses import replace
from pathlib import Path

import pytest
from mesa.visualization import Slider

from sim.app import controls
from sim.app.place import AppPlace, Levers
from sim.scenario import PoolRule, load_scenario
from tests.app.conftest import SCENARIOS

LEVER_PARAMS = (
    "pool_rule",
    "pooling_rate",
    "gain_share",
    "ring_fence_share",
    "target_pressure",
    "budget_growth",
    "collaboration",
)


def test_every_control_is_a_keyword_of_the_apps_model() -> None:
    params = controls.model_params(SCENARIOS / "pooled.yaml")
    assert set(params) == set(inspect.signature(AppPlace).parameters)


@pytest.mark.parametrize("path", sorted(SCENARIOS.glob("*.yaml")), ids=lambda p: p.name)
def test_every_lever_starts_at_the_scenario_files_value(path: Path) -> None:
    values = controls.start_values(controls.model_params(path))
    assert Levers(**{name: values[name] for name in LEVER_PARAMS}) == Levers.of(load_scenario(path))
    assert values["scenario"] == str(path)


def test_sliders_span_the_schemas_bounds() -> None:
    params = controls.model_params(SCENARIOS / "pooled.yaml")
    for name in ("pooling_rate", "ring_fence_share", "target_pressure", "collaboration"):
        assert (params[name].min, params[name].max) == (0.0, 1.0), name
    assert params["pool_rule"]["values"] == [rule.value for rule in PoolRule]


def test_every_slider_end_makes_a_valid_scenario() -> None:
    path = SCENARIOS / "pooled.yaml"
    params = controls.model_params(path)
    scenario = load_scenario(path)
    for name in LEVER_PARAMS:
        if isinstance(params[name], Slider):
            for end in (params[name].min, params[name].max):
                replace(Levers.of(scenario), **{name: end}).apply(scenario)  # raises ScenarioError if invalid


def test_budget_growth_range_reaches_the_scenarios_own_value(tmp_path: Path) -> None:
    path = tmp_path / "boom.yaml"
    path.write_text(f"extends: {SCENARIOS / 'total_place_pilot.yaml'}\npolicy:\n  budget_growth: 0.3\n")
    slider = controls.model_params(path)["budget_growth"]
    assert slider.value == 0.3 and slider.max >= 0.3


def test_the_population_sample_and_seed_are_kept_when_given() -> None:
    values = controls.start_values(controls.model_params(SCENARIOS / "pooled.yaml", population_sample=3_000, seed=7))
    assert (values["population_sample"], values["seed"]) == (3_000, 7)


def test_a_levers_value_is_written_as_in_the_settings_in_force() -> None:
    assert controls.shown("pooling_rate", 0.15) == "0.15"
    assert controls.shown("budget_growth", -0.02) == "-2% a year"
    assert controls.shown("gain_share", True) == "on"
    assert controls.shown("population_sample", 10_000) == "10,000"
    assert controls.shown("seed", 7) == "7"


def test_the_comparison_with_the_baseline_starts_on() -> None:
    assert controls.model_params(SCENARIOS / "pooled.yaml")["compare_with_silo"]["value"] is True
