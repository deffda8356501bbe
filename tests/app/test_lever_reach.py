"""Which levers can act in a scenario under the levers as set, and the words that say why not."""

from __future__ import annotations

from dataclasses import asdict, replace
from pathlib import Path

import pytest

from sim.app.lever_reach import lever_reach
from sim.app.place import AppPlace, Levers
from sim.scenario import load_scenario, with_overrides
from tests.app.conftest import SCENARIOS, short_file

POOL_LEVERS = {"pooling_rate", "gain_share"}


def reach_of(path: Path, **levers):
    scenario = load_scenario(path)
    return lever_reach(scenario, replace(Levers.of(scenario), **levers))


def disabled(reach) -> set[str]:
    return {name for name, why in reach.items() if why.disabled}


def test_under_silo_the_pool_levers_are_disabled_and_say_why() -> None:
    reach = reach_of(SCENARIOS / "total_place_pilot.yaml")
    assert disabled(reach) == POOL_LEVERS
    assert all("pool rule silo" in reach[name].note for name in POOL_LEVERS)


def test_under_silo_culture_levers_are_explained_not_disabled() -> None:
    reach = reach_of(SCENARIOS / "total_place_pilot.yaml")
    for name in ("collaboration", "target_pressure"):
        assert not reach[name].disabled and "only the collaboration view" in reach[name].note


def test_picking_a_pool_rule_enables_the_pool_levers() -> None:
    reach = reach_of(SCENARIOS / "total_place_pilot.yaml", pool_rule="need", pooling_rate=0.2)
    assert not POOL_LEVERS & set(reach) and "collaboration" not in reach


def test_a_pool_with_rate_0_explains_the_rate_and_disables_gain_share() -> None:
    reach = reach_of(SCENARIOS / "total_place_pilot.yaml", pool_rule="need", pooling_rate=0.0)
    assert not reach["pooling_rate"].disabled and "nothing is pooled" in reach["pooling_rate"].note
    assert reach["gain_share"].disabled


@pytest.mark.parametrize("name", ["pooled.yaml", "pooled_devolved_gainshare.yaml", "invest_to_save.yaml"])
def test_in_the_shipped_pooled_scenarios_every_lever_can_act(name: str) -> None:
    assert disabled(reach_of(SCENARIOS / name)) == set()


def test_a_settlement_path_for_every_agency_disables_budget_growth() -> None:
    reach = reach_of(SCENARIOS / "austerity_2010.yaml")
    assert reach["budget_growth"].disabled and "settlement.path" in reach["budget_growth"].note


def test_a_path_for_some_agencies_names_them() -> None:
    scenario = with_overrides(load_scenario(SCENARIOS / "pooled.yaml"), {"settlement.path": {"police": [-0.02]}})
    reach = lever_reach(scenario, Levers.of(scenario))["budget_growth"]
    assert not reach.disabled and reach.note.startswith("Not for police")


def test_an_agency_with_its_own_ring_fence_share_is_named() -> None:
    scenario = with_overrides(load_scenario(SCENARIOS / "pooled.yaml"), {"agencies.nhs.ring_fence_share": 0.9})
    note = lever_reach(scenario, Levers.of(scenario))["ring_fence_share"].note
    assert "nhs (own share in the file)" in note


def test_without_learning_target_pressure_is_disabled() -> None:
    scenario = with_overrides(load_scenario(SCENARIOS / "pooled.yaml"), {"learning.rate": 0.0})
    assert lever_reach(scenario, Levers.of(scenario))["target_pressure"].disabled


def test_gain_share_needs_two_members() -> None:
    scenario = with_overrides(load_scenario(SCENARIOS / "pooled.yaml"), {"policy.pool.members": ["council"]})
    assert lever_reach(scenario, Levers.of(scenario))["gain_share"].disabled


def test_a_run_of_one_year_disables_budget_growth(tmp_path: Path) -> None:
    assert reach_of(short_file(tmp_path, "pooled.yaml", steps=4))["budget_growth"].disabled
    assert "budget_growth" not in reach_of(short_file(tmp_path, "pooled.yaml", steps=5))


def stepped(path: Path, quarters: int = 6, **levers) -> AppPlace:
    """A small place of `path` with `levers` changed from the file's, stepped `quarters` times."""
    scenario = load_scenario(path)
    values = {**asdict(Levers.of(scenario)), **levers}
    place = AppPlace(scenario=str(path), scenario_folder=str(path.parent), population_sample=1_000, seed=3,
                     compare_with_silo=False, **values)  # fmt: skip
    for _ in range(quarters):
        place.step()
    return place


def money_and_crises(place: AppPlace) -> list[tuple[float, float]]:
    return [(q.total_spend_gbp, q.total_crises) for q in place.history]


def test_a_lever_it_disables_really_changes_nothing_in_the_model() -> None:
    """The words are the model's truth: under silo, any pooling rate or gain-share gives the same place."""
    path = SCENARIOS / "total_place_pilot.yaml"
    assert POOL_LEVERS <= disabled(reach_of(path, pool_rule="silo"))
    reference = money_and_crises(stepped(path, pool_rule="silo", pooling_rate=0.0, gain_share=False))
    assert money_and_crises(stepped(path, pool_rule="silo", pooling_rate=0.6, gain_share=True)) == reference


def test_a_lever_it_says_moves_only_collaboration_moves_collaboration_and_not_money() -> None:
    path = SCENARIOS / "total_place_pilot.yaml"
    assert not reach_of(path, pool_rule="silo")["target_pressure"].disabled
    low, high = stepped(path, pool_rule="silo", target_pressure=0.0), stepped(path, pool_rule="silo", target_pressure=1.0)
    assert money_and_crises(low) == money_and_crises(high)
    assert low.history[-1].collaboration != high.history[-1].collaboration


def test_under_a_pool_rule_the_same_levers_do_change_the_place() -> None:
    """The control for the tests above: the comparison can see a difference where there is one."""
    path = SCENARIOS / "total_place_pilot.yaml"
    low = money_and_crises(stepped(path, pool_rule="need", pooling_rate=0.05))
    assert money_and_crises(stepped(path, pool_rule="need", pooling_rate=0.6)) != low
