"""The page's pure parts: which levers are set but not yet applied, which parameters are levers."""

from __future__ import annotations

from pathlib import Path

from sim.app import controls
from sim.app.lever_inputs import adjustable
from sim.app.page import not_applied
from sim.app.place import AppPlace
from tests.app.conftest import SAMPLE


def test_levers_moved_since_reset_are_named_until_reset(pooled_file: Path) -> None:
    values = controls.start_values(controls.model_params(pooled_file, population_sample=SAMPLE))
    place = AppPlace(**values)
    assert not_applied(values, place) == []
    moved = {**values, "ring_fence_share": 1.0, "compare_with_silo": False}
    assert not_applied(moved, place) == ["ring fence share 1.00", "silo baseline off"]
    assert not_applied(moved, AppPlace(**moved)) == []


def test_the_scenario_and_its_folder_are_not_levers(pooled_file: Path) -> None:
    params = controls.model_params(pooled_file)
    assert set(params) - set(adjustable(params)) == {"scenario", "scenario_folder"}
