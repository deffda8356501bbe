"""The app's model: levers as scenario overrides, the quarter records, the silo twin in lockstep."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from sim.app import controls
from sim.app.place import AppPlace, Levers, mean_collaboration
from sim.model.simulate import silo_twin, simulate
from sim.scenario import load_scenario
from tests.app.conftest import SAMPLE, SCENARIOS


def app_place(path: Path, **changes) -> AppPlace:
    values = controls.start_values(controls.model_params(path, population_sample=SAMPLE))
    return AppPlace(**{**values, **changes})


@pytest.mark.parametrize("path", sorted(SCENARIOS.glob("*.yaml")), ids=lambda p: p.name)
def test_levers_at_the_files_values_change_nothing(path: Path) -> None:
    scenario = load_scenario(path)
    assert Levers.of(scenario).overrides(scenario) == {}
    assert Levers.of(scenario).apply(scenario) is scenario


def test_each_lever_overrides_its_scenario_field(pooled_file: Path) -> None:
    scenario = load_scenario(pooled_file)
    levers = replace(
        Levers.of(scenario),
        pool_rule="invest_to_save",
        pooling_rate=0.4,
        gain_share=True,
        ring_fence_share=0.1,
        target_pressure=0.3,
        budget_growth=-0.05,
    )
    changed = levers.apply(scenario)
    assert changed.policy.pool.rule.value == "invest_to_save"
    assert changed.policy.pool.rate == 0.4
    assert changed.policy.pool.gain_share is True
    assert changed.policy.ring_fence_share == 0.1
    assert changed.policy.target_pressure == 0.3
    assert changed.policy.budget_growth == -0.05
    assert changed.agencies == scenario.agencies


@pytest.mark.parametrize("target", [0.0, 0.1, 0.3, 0.5, 0.9, 1.0])
def test_collaboration_lever_sets_the_agencies_mean_and_keeps_their_order(pooled_file: Path, target: float) -> None:
    scenario = load_scenario(pooled_file)
    changed = replace(Levers.of(scenario), collaboration=target).apply(scenario)
    assert mean_collaboration(changed) == pytest.approx(target)
    before = [agency.collaboration for agency in scenario.agencies.values()]
    after = [agency.collaboration for agency in changed.agencies.values()]
    assert all(0.0 <= value <= 1.0 for value in after)
    pairs = [(i, j) for i in range(len(before)) for j in range(len(before)) if before[i] < before[j]]
    assert all(after[i] <= after[j] for i, j in pairs)


def test_first_quarters_are_those_placesim_run_reports(pooled_file: Path) -> None:
    place = app_place(pooled_file)
    for _ in range(3):
        place.step()
    steps = simulate(load_scenario(pooled_file), seed=place.seed, steps=3, population_sample=SAMPLE).steps
    for quarter in place.history:
        table = steps[steps["step"] == quarter.step]
        crises = table[table["measure"] == "crises"].set_index("domain")["value"].to_dict()
        assert quarter.crises == pytest.approx(crises)
        assert quarter.wellbeing == pytest.approx(table.loc[table["measure"] == "wellbeing", "value"].item())
        pooled = table[(table["measure"] == "spend_gbp") & (table["category"] == "pool_contribution")]["value"].sum()
        assert quarter.pooled_gbp == pytest.approx(pooled)


def test_spend_by_agency_and_domain_adds_up_to_spend_by_category(pooled_file: Path) -> None:
    place = app_place(pooled_file)
    place.step()
    quarter = place.history[-1]
    assert sum(quarter.spend_gbp.values()) == pytest.approx(quarter.total_spend_gbp)
    assert 0 < quarter.acute_share < 1 and 0 < quarter.prevention_share < 1
    assert quarter.waste_gbp == pytest.approx(
        quarter.category_gbp.get("duplicated_assessment", 0) + quarter.category_gbp.get("governance", 0)
    )


def test_silo_twin_is_the_same_place_and_seed_without_a_pool(pooled_file: Path) -> None:
    place = app_place(pooled_file, compare_with_silo=True)
    for _ in range(3):
        place.step()
    baseline = simulate(silo_twin(load_scenario(pooled_file)), seed=place.seed, steps=3, population_sample=SAMPLE)
    crises = baseline.steps[baseline.steps["measure"] == "crises"].groupby("step")["value"].sum()
    assert [q.step for q in place.twin_history] == [1, 2, 3]
    assert [q.total_crises for q in place.twin_history] == pytest.approx(crises.tolist())
    assert [q.pool_members for q in place.twin_history] == [0, 0, 0]


def test_no_twin_is_run_when_the_place_has_no_pool(silo_file: Path) -> None:
    place = app_place(silo_file, compare_with_silo=True)
    place.step()
    assert place.twin is None and place.twin_history == []
    assert place.compare_with_silo


def test_the_place_stops_at_its_horizon(pooled_file: Path) -> None:
    place = app_place(pooled_file)
    for _ in range(5):
        place.step()
    assert place.running
    place.step()
    assert not place.running and place.steps == place.horizon == 6
