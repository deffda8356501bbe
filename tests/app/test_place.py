"""The app's model: levers as scenario overrides, the quarter records, the 2009-10 silo baseline in lockstep."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from sim.app import controls
from sim.app.place import BASELINE_FILE, AppPlace, Levers, mean_collaboration, silo_baseline
from sim.app.scenario_files import NotOffered
from sim.model.simulate import simulate
from sim.scenario import load_scenario
from tests.app.conftest import SAMPLE, SCENARIOS, short_file


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


def stepped(path: Path, quarters: int, **changes) -> AppPlace:
    place = app_place(path, **changes)
    for _ in range(quarters):
        place.step()
    return place


def test_the_baseline_file_is_the_shipped_silo_baseline() -> None:
    assert BASELINE_FILE == SCENARIOS / "total_place_pilot.yaml"
    assert load_scenario(BASELINE_FILE).policy.pool.rule.value == "silo"


def test_the_baseline_is_the_files_place_under_the_2009_10_regime_with_the_same_seed_and_sample(
    tmp_path: Path,
) -> None:
    reform = short_file(tmp_path, "pooled_devolved_gainshare.yaml")
    # levers moved away from the file's: they must not reach the baseline
    place = stepped(reform, 3, compare_with_silo=True, seed=5, ring_fence_share=0.5, collaboration=0.6)
    # as docs/app.md defines it: the file's place with the baseline file's whole policy block (the
    # shipped reform files set no agency's own regime fields, so those are the baseline's already)
    expected = load_scenario(reform).model_copy(update={"policy": load_scenario(BASELINE_FILE).policy})
    steps = simulate(expected, seed=5, steps=3, population_sample=SAMPLE).steps
    assert [q.step for q in place.baseline_history] == [1, 2, 3]
    for quarter in place.baseline_history:
        table = steps[steps["step"] == quarter.step]
        crises = table[table["measure"] == "crises"].set_index("domain")["value"].to_dict()
        collaboration = table[table["measure"] == "collaboration"].set_index("agency")["value"].to_dict()
        spend = table[table["measure"] == "spend_gbp"]["value"].sum()
        assert quarter.crises == pytest.approx(crises, rel=1e-12)
        assert quarter.collaboration == pytest.approx(collaboration, rel=1e-12)
        assert quarter.wellbeing == pytest.approx(table.loc[table["measure"] == "wellbeing", "value"].item(), rel=1e-12)
        assert quarter.total_spend_gbp == pytest.approx(spend, rel=1e-12)
        assert quarter.pool_members == 0 and quarter.pooled_gbp == 0


def test_the_baseline_takes_the_regime_from_the_baseline_file_and_the_place_from_the_picked_one(
    tmp_path: Path,
) -> None:
    picked = tmp_path / "own.yaml"
    picked.write_text(
        f"extends: {SCENARIOS / 'pooled_devolved_gainshare.yaml'}\n"
        "agencies:\n"
        "  council: {ring_fence_share: 0.1}\n"
        "  nhs: {budget_growth: 0.05, budget_gbp_per_year: 2.0e9}\n"
        "  police: {extra_prevention_gbp_per_year: 1.0e6, collaboration: 0.9, prevention_propensity: 0.7}\n"
        "domains:\n"
        "  health: {unit_cost_gbp: 2500}\n"
        "learning: {rate: 0.2}\n"
    )
    scenario, baseline = load_scenario(picked), load_scenario(BASELINE_FILE)
    twin = silo_baseline(scenario, baseline)
    assert twin.policy == baseline.policy
    assert twin.agencies["council"].ring_fence_share is None
    assert twin.agencies["nhs"].budget_growth is None
    assert twin.agencies["police"].extra_prevention_gbp_per_year == 0
    assert twin.agencies["nhs"].budget_gbp_per_year == 2.0e9
    assert (twin.agencies["police"].collaboration, twin.agencies["police"].prevention_propensity) == (0.9, 0.7)
    assert twin.domains == scenario.domains and twin.learning == scenario.learning and twin.run == scenario.run


@pytest.mark.parametrize("path", sorted(SCENARIOS.glob("*.yaml")), ids=lambda p: p.name)
def test_every_shipped_file_has_the_baseline_files_scenario_as_its_baseline(path: Path) -> None:
    baseline = load_scenario(BASELINE_FILE)
    twin = silo_baseline(load_scenario(path), baseline)
    assert twin.model_copy(update={"name": baseline.name, "description": baseline.description}) == baseline


def test_the_difference_is_exactly_zero_when_the_place_is_the_baseline(silo_file: Path) -> None:
    place = stepped(silo_file, 4, compare_with_silo=True)
    assert place.is_the_baseline and place.baseline is not None
    assert len(place.baseline_history) == 4
    assert place.history == place.baseline_history  # every number of every quarter, exactly


def differences(place: AppPlace) -> list[tuple[float, ...]]:
    """Your place minus the baseline, each quarter: crises, wellbeing, spend, mean collaboration
    (with no pool, collaboration changes nothing else)."""
    return [
        (
            y.total_crises - b.total_crises,
            y.wellbeing - b.wellbeing,
            y.total_spend_gbp - b.total_spend_gbp,
            sum(y.collaboration.values()) - sum(b.collaboration.values()),
        )
        for y, b in zip(place.history, place.baseline_history)
    ]


@pytest.mark.parametrize("shipped", ["total_place_pilot.yaml", "pooled.yaml"])
@pytest.mark.parametrize(
    "lever", [{"ring_fence_share": 0.2}, {"collaboration": 0.7}], ids=["ring_fence_share", "collaboration"]
)
def test_a_lever_moves_the_difference_and_not_the_baseline(tmp_path: Path, shipped: str, lever: dict) -> None:
    path = short_file(tmp_path, shipped)
    at_file = stepped(path, 4, compare_with_silo=True)
    # the slider moved, then Reset: SolaraViz builds a new place from the controls' values
    moved = stepped(path, 4, compare_with_silo=True, **lever)
    assert not moved.is_the_baseline
    assert moved.baseline_history == at_file.baseline_history
    assert differences(moved) != differences(at_file)


def test_the_baseline_runs_by_default_and_not_when_turned_off(pooled_file: Path) -> None:
    assert app_place(pooled_file).baseline is not None
    place = stepped(pooled_file, 1, compare_with_silo=False)
    assert place.baseline is None and place.baseline_history == [] and not place.is_the_baseline


def test_a_quarter_records_what_flows_through_the_pool(pooled_file: Path) -> None:
    place = stepped(pooled_file, 3)
    latest = place.history[-1]
    assert latest.pooled_gbp > 0 and latest.pool_spent_gbp.get("pool_prevention", 0) > 0
    assert set(latest.pool_spent_gbp) <= {"pool_prevention", "assessment", "governance"}


def test_levers_chosen_from_keyword_values_have_their_types() -> None:
    values = dict(pool_rule="need", pooling_rate=1, gain_share=0, ring_fence_share=0.5, target_pressure=1)
    values |= dict(budget_growth=0, collaboration=0.3, seed=4)  # and keywords that are not levers
    levers = Levers.chosen(values)
    assert levers.pooling_rate == 1.0 and isinstance(levers.pooling_rate, float) and levers.gain_share is False


def test_the_place_stops_at_its_horizon(pooled_file: Path) -> None:
    place = app_place(pooled_file)
    for _ in range(5):
        place.step()
    assert place.running
    place.step()
    assert not place.running and place.steps == place.horizon == 6


@pytest.mark.parametrize("forged", ["absolute", "traversal"])
def test_the_place_refuses_a_scenario_outside_the_apps_folder(tmp_path: Path, forged: str) -> None:
    folder = tmp_path / "app"
    folder.mkdir()
    values = controls.start_values(controls.model_params(short_file(folder, "pooled.yaml"), population_sample=SAMPLE))
    outside = short_file(tmp_path, "invest_to_save.yaml")  # a valid scenario, beside the folder, not in it
    value = str(outside) if forged == "absolute" else "../" * 12 + str(outside).lstrip("/")
    with pytest.raises(NotOffered, match="not one of this app's scenarios"):
        AppPlace(**{**values, "scenario": value})


def test_the_place_takes_a_file_of_its_folder_by_name(pooled_file: Path) -> None:
    values = controls.start_values(controls.model_params(pooled_file, population_sample=SAMPLE))
    assert AppPlace(**{**values, "scenario": "pooled.yaml"}).scenario_path == pooled_file


@pytest.mark.parametrize("forged", [10**9, 9, -5])
def test_the_place_refuses_a_forged_number_of_citizens_before_allocating_them(pooled_file: Path, forged: int) -> None:
    values = controls.start_values(controls.model_params(pooled_file, population_sample=SAMPLE))
    with pytest.raises(ValueError, match="outside 10..1,000,000"):
        AppPlace(**{**values, "population_sample": forged})
