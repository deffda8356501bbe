"""Bad calibration files give errors that name the file and the field (sim/calibration/spec.py,
sim/calibration/loading.py), before any simulation runs."""

from __future__ import annotations

from pathlib import Path

import pytest

from sim.calibration.loading import load_calibration
from sim.calibration.spec import Role
from sim.scenario import ScenarioError
from tests.calibration.files import calibration_data, write_calibration


def problems(folder: Path, data: dict) -> list[tuple[str, str]]:
    path = write_calibration(folder, data)
    with pytest.raises(ScenarioError) as caught:
        load_calibration(path)
    assert caught.value.source.endswith("small.yaml")
    return caught.value.problems


def only_path(found: list[tuple[str, str]]) -> str:
    assert len(found) == 1, found
    return found[0][0]


def test_a_valid_file_loads_with_its_regimes_and_roles(tmp_path: Path) -> None:
    calibration = load_calibration(write_calibration(tmp_path))
    assert set(calibration.regimes) == {"pooled"}
    assert calibration.regimes["pooled"].policy.pool.rule.value == "need"
    assert list(calibration.targets(Role.fit)) == ["health_rate"]
    assert list(calibration.targets(Role.held_out)) == ["pooled_spend"]


def test_an_unknown_statistic_is_named_with_the_known_ones(tmp_path: Path) -> None:
    data = calibration_data()
    data["targets"]["health_rate"]["statistic"] = "crisis_prevalance"
    found = problems(tmp_path, data)
    assert only_path(found) == "targets.health_rate.statistic"
    assert "crisis_prevalence" in found[0][1]


def test_a_parameter_path_the_scenario_lacks_is_named(tmp_path: Path) -> None:
    data = calibration_data()
    data["parameters"]["domains.*.crisis_treshold"] = data["parameters"].pop("domains.*.crisis_threshold")
    assert only_path(problems(tmp_path, data)) == "parameters.domains.*.crisis_treshold"


def test_a_draw_the_scenario_refuses_is_named(tmp_path: Path) -> None:
    data = calibration_data()
    data["parameters"] = {"domains.*.take_up": {"applies": "multiply", "prior": "uniform", "low": 1.5, "high": 3,
                                                "source": "test"}}
    found = problems(tmp_path, data)
    assert only_path(found) == "parameters.domains.*.take_up"
    assert "not a valid scenario" in found[0][1]


@pytest.mark.parametrize(
    ("change", "path"),
    [
        ({"prior": "normal"}, "parameters.domains.*.crisis_threshold"),  # no mean or sd
        ({"low": 0.2}, "parameters.domains.*.crisis_threshold"),  # high below low
        ({"prior": "log_uniform"}, "parameters.domains.*.crisis_threshold"),  # low <= 0
        ({"source": ""}, "parameters.domains.*.crisis_threshold.source"),
    ],
)
def test_incomplete_priors_are_named(tmp_path: Path, change: dict, path: str) -> None:
    data = calibration_data()
    data["parameters"]["domains.*.crisis_threshold"].update(change)
    assert only_path(problems(tmp_path, data)) == path


@pytest.mark.parametrize(
    ("target", "change", "path"),
    [
        ("health_rate", {"sd": None}, "targets.health_rate"),  # neither sd nor band
        ("health_rate", {"band": [0.0, 0.01]}, "targets.health_rate"),  # both, and band misses observed
        ("health_rate", {"domain": "education"}, "targets.health_rate.domain"),
        ("health_rate", {"domain": None}, "targets.health_rate.domain"),
        ("health_rate", {"role": "validate"}, "targets.health_rate.role"),
        ("pooled_spend", {"regime": None}, "targets.pooled_spend.regime"),
        ("pooled_spend", {"agency": "nhs"}, "targets.pooled_spend.agency"),
    ],
)
def test_bad_targets_are_named(tmp_path: Path, target: str, change: dict, path: str) -> None:
    data = calibration_data()
    data["targets"][target].update(change)
    data["targets"][target] = {k: v for k, v in data["targets"][target].items() if v is not None}
    assert only_path(problems(tmp_path, data)) == path


def test_an_undefined_regime_is_named_with_the_defined_ones(tmp_path: Path) -> None:
    data = calibration_data()
    data["targets"]["pooled_spend"]["regime"] = "devolved"
    found = problems(tmp_path, data)
    assert "pooled" in found[0][1] and "devolved" in found[0][1]


def test_a_file_with_no_fit_target_is_refused(tmp_path: Path) -> None:
    data = calibration_data()
    data["targets"]["health_rate"]["role"] = "held_out"
    assert "role: fit" in problems(tmp_path, data)[0][1]


def test_an_unknown_field_is_named(tmp_path: Path) -> None:
    data = calibration_data(abc={"population_size": 10, "generations": 3})
    assert only_path(problems(tmp_path, data)) == "abc.generations"


def test_a_file_extends_another_and_changes_only_what_it_says(tmp_path: Path) -> None:
    write_calibration(tmp_path)
    own = tmp_path / "mine"
    own.mkdir()
    (own / "my_place.yaml").write_text(
        "extends: ../small.yaml\ntargets:\n  health_rate: {observed: 0.05}\n"
    )
    calibration = load_calibration(own / "my_place.yaml")
    assert calibration.spec.targets["health_rate"].observed == 0.05
    assert calibration.spec.targets["health_rate"].sd == 0.005
    assert calibration.scenario.run.population_sample == 300  # the parent's scenario, found from the parent's folder


def test_the_shipped_calibration_holds_back_three_patterns_one_from_the_evaluations() -> None:
    from tests.calibration.files import ROOT

    calibration = load_calibration(ROOT / "calibration" / "total_place_pilot.yaml")
    held_out = calibration.targets(Role.held_out)
    assert len(held_out) >= 3
    assert any("NIESR 2016" in t.source or "NAO 2017" in t.source for t in held_out.values())


def test_the_own_place_example_extends_the_default_and_its_reforms_are_the_shipped_ones() -> None:
    from sim.scenario import load_scenario
    from tests.calibration.files import ROOT, SCENARIOS

    calibration = load_calibration(ROOT / "calibration" / "examples" / "my_place.yaml")
    default = load_calibration(ROOT / "calibration" / "total_place_pilot.yaml")
    assert calibration.scenario.place.population == 560_000
    assert calibration.parameters == default.parameters
    assert set(calibration.targets()) == set(default.targets()) | {"nhs_spend_in_health"}
    for regime, shipped in (("pooling_alone", "pooled.yaml"), ("full_reform", "pooled_devolved_gainshare.yaml")):
        assert calibration.regimes[regime].policy == load_scenario(SCENARIOS / shipped).policy
