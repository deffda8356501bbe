"""Designs turn into the right points: counts, values, ranges, baselines, crossing."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from sim.experiment.experiment import load_experiment
from sim.scenario import ScenarioError
from tests.experiment.conftest import experiment_file


def test_grid_is_full_factorial_plus_the_baseline_point(grid_file: Path) -> None:
    experiment = load_experiment(grid_file)
    names = [p.name for p in experiment.design.points]
    assert len(names) == 2 * 2 + 1
    assert names[-1] == "baseline" == experiment.design.baseline
    rates = {experiment.scenarios[p.point_id].policy.pool.rate for p in experiment.design.points[:-1]}
    assert rates == {0.1, 0.4}
    assert experiment.scenarios[4].policy.pool.rule.value == "silo"


def test_zip_pairs_lists_instead_of_crossing_them(tmp_path: Path) -> None:
    path = experiment_file(
        tmp_path,
        "design:\n  kind: zip\n  levers:\n    policy.pool.rate: [0.1, 0.2, 0.3]\n"
        "    policy.ring_fence_share: [0.9, 0.5, 0.1]\n",
    )
    experiment = load_experiment(path)
    pairs = [(s.policy.pool.rate, s.policy.ring_fence_share) for s in experiment.scenarios.values()]
    assert pairs == [(0.1, 0.9), (0.2, 0.5), (0.3, 0.1)]


def test_zip_with_unequal_lists_is_rejected(tmp_path: Path) -> None:
    path = experiment_file(
        tmp_path, "design:\n  kind: zip\n  levers:\n    policy.pool.rate: [0.1, 0.2]\n    policy.target_pressure: [0.5]\n"
    )
    with pytest.raises(ScenarioError, match="one length"):
        load_experiment(path)


@pytest.mark.parametrize(("kind", "expected_rows"), [("lhs", 8), ("sobol", 8), ("saltelli", 8 * (2 + 2)), ("morris", 8 * 3)])
def test_sampled_designs_have_the_expected_size_and_stay_in_range(tmp_path: Path, kind: str, expected_rows: int) -> None:
    path = experiment_file(
        tmp_path,
        f"design:\n  kind: {kind}\n  samples: 8\n  uncertainties:\n"
        "    learning.rate: {low: 0.05, high: 0.3}\n    policy.pool.package_effect: {low: 0.1, high: 0.5}\n",
    )
    experiment = load_experiment(path)
    assert experiment.design.sample.shape == (expected_rows, 2)
    rates = np.array([s.learning.rate for s in experiment.scenarios.values()])
    effects = np.array([s.policy.pool.package_effect for s in experiment.scenarios.values()])
    assert rates.min() >= 0.05 and rates.max() <= 0.3
    assert effects.min() >= 0.1 and effects.max() <= 0.5
    assert len(set(rates.round(6))) > 1


def test_levers_are_crossed_with_sampled_uncertainties(tmp_path: Path) -> None:
    path = experiment_file(
        tmp_path,
        "design:\n  kind: lhs\n  samples: 5\n  uncertainties:\n    learning.rate: {low: 0.05, high: 0.3}\n"
        "  levers:\n    policy.pool.rule: [need, invest_to_save]\n",
    )
    experiment = load_experiment(path)
    assert len(experiment.design.points) == 10
    for rule in ("need", "invest_to_save"):
        rates = sorted(s.learning.rate for s in experiment.scenarios.values() if s.policy.pool.rule.value == rule)
        assert rates == sorted(experiment.design.sample[:, 0])


def test_categorical_and_integer_uncertainties_take_valid_values(tmp_path: Path) -> None:
    path = experiment_file(
        tmp_path,
        "design:\n  kind: lhs\n  samples: 12\n  uncertainties:\n    policy.pool.rule: [need, invest_to_save, citizen_priority]\n"
        "    policy.settlement_years: {low: 1, high: 5, integer: true}\n",
    )
    scenarios = load_experiment(path).scenarios.values()
    assert {s.policy.pool.rule.value for s in scenarios} == {"need", "invest_to_save", "citizen_priority"}
    assert {s.policy.settlement_years for s in scenarios} <= {1, 2, 3, 4, 5}


def test_scenarios_design_resolves_files_relative_to_the_experiment(tmp_path: Path) -> None:
    shipped = Path(__file__).resolve().parents[2] / "experiments" / "total_place.yaml"
    experiment = load_experiment(shipped, replications=1)
    names = [p.name for p in experiment.design.points]
    assert names[0] == "silo" == experiment.design.baseline
    assert experiment.scenarios[1].policy.pool.rule.value != "silo"


def test_replication_seeds_are_shared_by_every_point(grid_file: Path) -> None:
    specs = load_experiment(grid_file).run_specs()
    seeds_by_point: dict[int, list[int]] = {}
    for spec in specs:
        seeds_by_point.setdefault(spec.point_id, []).append(spec.seed)
    assert len({tuple(s) for s in seeds_by_point.values()}) == 1
    assert len(set(next(iter(seeds_by_point.values())))) == 2


def test_unknown_parameter_path_names_the_design_point(tmp_path: Path) -> None:
    path = experiment_file(tmp_path, "design:\n  kind: grid\n  levers:\n    policy.pool.speed: [1, 2]\n")
    with pytest.raises(ScenarioError, match="policy.pool.speed"):
        load_experiment(path)


def test_unknown_experiment_field_is_rejected(tmp_path: Path) -> None:
    path = experiment_file(tmp_path, "replicatoins: 3\ndesign:\n  kind: grid\n  levers:\n    policy.pool.rate: [0.1]\n")
    with pytest.raises(ScenarioError, match="replicatoins"):
        load_experiment(path)


def test_baseline_must_name_a_point(tmp_path: Path) -> None:
    path = experiment_file(tmp_path, "baseline: nowhere\ndesign:\n  kind: scenarios\n  points:\n    silo: {}\n")
    with pytest.raises(ScenarioError, match="nowhere"):
        load_experiment(path)


def test_unknown_output_measure_is_rejected(tmp_path: Path) -> None:
    path = experiment_file(tmp_path, "design:\n  kind: grid\n  levers:\n    policy.pool.rate: [0.1]\n")
    path.write_text(path.read_text().replace("outputs: [crises,", "outputs: [crisis,"))
    with pytest.raises(ScenarioError, match="unknown measure"):
        load_experiment(path)


# -- wrong_pocket ----------------------------------------------------------------------------
WRONG_POCKET = "design:\n  kind: wrong_pocket\n  amount_gbp_per_year: 5.0e6\n"
AGENCIES = ["council", "nhs", "police", "fire", "probation", "jobcentre"]


def test_wrong_pocket_is_the_unchanged_place_and_one_point_per_agency(tmp_path: Path) -> None:
    experiment = load_experiment(experiment_file(tmp_path, WRONG_POCKET))
    points = experiment.design.points
    assert [p.name for p in points] == ["unchanged", *(f"+prevention: {a}" for a in AGENCIES)]
    assert experiment.design.baseline == experiment.spec.baseline == "unchanged"
    assert points[0].overrides == {}
    for point, agency in zip(points[1:], AGENCIES, strict=True):
        assert point.overrides == {f"agencies.{agency}.extra_prevention_gbp_per_year": 5.0e6}
        grants = {a: c.extra_prevention_gbp_per_year for a, c in experiment.scenarios[point.point_id].agencies.items()}
        assert grants == {a: (5.0e6 if a == agency else 0.0) for a in AGENCIES}


def test_wrong_pocket_takes_the_listed_agencies_and_fixed_overrides(tmp_path: Path) -> None:
    body = WRONG_POCKET + "  agencies: [fire, council]\n  fixed: {policy.settlement_years: 3}\n"
    experiment = load_experiment(experiment_file(tmp_path, body))
    assert [p.name for p in experiment.design.points] == ["unchanged", "+prevention: fire", "+prevention: council"]
    assert {s.policy.settlement_years for s in experiment.scenarios.values()} == {3}
    assert experiment.design_table()["baseline"].tolist() == [True, False, False]


def wrong_pocket_problems(tmp_path: Path, body: str) -> list[tuple[str, str]]:
    with pytest.raises(ScenarioError) as caught:
        load_experiment(experiment_file(tmp_path, body))
    assert str(tmp_path / "exp.yaml") in caught.value.source
    return caught.value.problems


def test_wrong_pocket_with_an_unknown_agency_names_the_field_and_the_known_agencies(tmp_path: Path) -> None:
    problems = wrong_pocket_problems(tmp_path, WRONG_POCKET + "  agencies: [council, gambling]\n")
    assert len(problems) == 1
    field, message = problems[0]
    assert field == "design.agencies"
    assert "'gambling'" in message and "jobcentre" in message


def test_wrong_pocket_needs_an_amount(tmp_path: Path) -> None:
    problems = wrong_pocket_problems(tmp_path, "design:\n  kind: wrong_pocket\n")
    assert [field for field, _ in problems] == ["design.amount_gbp_per_year"]


def test_wrong_pocket_amount_must_be_positive(tmp_path: Path) -> None:
    problems = wrong_pocket_problems(tmp_path, WRONG_POCKET.replace("5.0e6", "0"))
    assert [field for field, _ in problems] == ["design.amount_gbp_per_year"]


def test_wrong_pocket_outputs_must_keep_spend(tmp_path: Path) -> None:
    path = experiment_file(tmp_path, WRONG_POCKET)
    path.write_text(path.read_text().replace(", spend_gbp]", "]"))
    with pytest.raises(ScenarioError, match="spend_gbp") as caught:
        load_experiment(path)
    assert [field for field, _ in caught.value.problems] == ["outputs"]


def test_wrong_pocket_baseline_is_its_unchanged_point(tmp_path: Path) -> None:
    problems = wrong_pocket_problems(tmp_path, "baseline: silo\n" + WRONG_POCKET)
    assert [field for field, _ in problems] == ["baseline"]
    named = load_experiment(experiment_file(tmp_path, "baseline: unchanged\n" + WRONG_POCKET))
    assert named.design.baseline == "unchanged"


@pytest.mark.parametrize("extra", ["  levers:\n    policy.pool.rate: [0.1]\n", "  points:\n    a: {}\n"])
def test_wrong_pocket_refuses_other_designs_parameters(tmp_path: Path, extra: str) -> None:
    problems = wrong_pocket_problems(tmp_path, WRONG_POCKET + extra)
    assert problems[0][0] in ("design.levers", "design.points")


def test_other_designs_refuse_wrong_pocket_fields(tmp_path: Path) -> None:
    body = "design:\n  kind: grid\n  amount_gbp_per_year: 5.0e6\n  levers:\n    policy.pool.rate: [0.1]\n"
    problems = wrong_pocket_problems(tmp_path, body)
    assert [field for field, _ in problems] == ["design.amount_gbp_per_year"]
