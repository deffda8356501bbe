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


# -- experiment files that must not pass (issue 11, findings 10-12) ------------------------------
def experiment_problems(tmp_path: Path, body: str) -> list[tuple[str, str]]:
    with pytest.raises(ScenarioError) as caught:
        load_experiment(experiment_file(tmp_path, body))
    assert str(tmp_path / "exp.yaml") in caught.value.source
    return caught.value.problems


LHS = "design:\n  kind: lhs\n  samples: 4\n  uncertainties:\n    learning.rate: {low: LOW, high: 0.3}\n"


@pytest.mark.parametrize("low", [".nan", ".inf", "-.inf"])
def test_a_range_bound_that_is_not_a_finite_number_is_refused_where_it_is_written(tmp_path: Path, low: str) -> None:
    [(field, message)] = experiment_problems(tmp_path, LHS.replace("LOW", low))
    assert field == "design.uncertainties.learning.rate.low"
    assert f"{low} is not a finite number" in message


@pytest.mark.parametrize("low", ["nan", "'inf'", "1e309"])
def test_a_range_bound_that_pydantic_would_read_as_infinite_is_refused(tmp_path: Path, low: str) -> None:
    assert experiment_problems(tmp_path, LHS.replace("LOW", low)) == [
        ("design.uncertainties.learning.rate.low", "Input should be a finite number")
    ]


def test_a_range_error_names_the_field_without_pydantic_internals(tmp_path: Path) -> None:
    problems = experiment_problems(tmp_path, LHS.replace("LOW", "0.5"))
    assert problems == [("design.uncertainties.learning.rate", "high (0.3) must be above low (0.5)")]
    missing = experiment_problems(tmp_path, LHS.replace("low: LOW", "lo: 0.1"))
    assert sorted(missing) == [
        ("design.uncertainties.learning.rate.lo", "unknown field; check its spelling against docs/scenarios.md"),
        ("design.uncertainties.learning.rate.low", "Field required"),
    ]


def test_a_parameter_that_is_neither_a_range_nor_a_list_is_named_once(tmp_path: Path) -> None:
    problems = experiment_problems(tmp_path, LHS.replace("{low: LOW, high: 0.3}", "0.3"))
    assert problems == [("design.uncertainties.learning.rate", "must be a range {low: ..., high: ...} or a list of values [...]")]


def test_a_baseline_that_is_neither_a_name_nor_overrides_is_named_once(tmp_path: Path) -> None:
    problems = experiment_problems(tmp_path, "baseline: 3\ndesign:\n  kind: grid\n  levers:\n    policy.pool.rate: [0.1]\n")
    assert problems == [("baseline", "must be the name of a design point, or a mapping of overrides (path: value)")]


def test_a_design_problem_names_design_once(tmp_path: Path) -> None:
    assert experiment_problems(tmp_path, "design:\n  kind: grid\n") == [
        ("design", "name at least one parameter under uncertainties or levers")
    ]


def test_a_grid_parameter_that_is_not_a_list_names_its_section(tmp_path: Path) -> None:
    [(field, _)] = experiment_problems(tmp_path, "design:\n  kind: grid\n  levers:\n    policy.pool.rate: {low: 0, high: 1}\n")
    assert field == "design.levers.policy.pool.rate"


@pytest.mark.parametrize("values", ["[0.1, 0.1, 0.2]", "[0.1, 0.2, 0.10]", "[1, 1.0]"])
def test_a_grid_value_listed_twice_is_refused(tmp_path: Path, values: str) -> None:
    [(field, message)] = experiment_problems(tmp_path, f"design:\n  kind: grid\n  levers:\n    policy.pool.rate: {values}\n")
    assert field == "design.levers.policy.pool.rate"
    assert "is listed twice, so two points with the same value would merge in the tables and comparisons" in message


def test_a_lever_repeated_in_a_sampled_design_is_refused(tmp_path: Path) -> None:
    body = LHS.replace("LOW", "0.1") + "  levers:\n    policy.pool.rule: [need, need]\n"
    [(field, message)] = experiment_problems(tmp_path, body)
    assert (field, message) == (
        "design.levers.policy.pool.rule",
        "'need' is listed twice, so two points with the same value would merge in the tables and comparisons: "
        "remove the repeat",
    )


def test_a_sampled_choice_repeated_is_refused(tmp_path: Path) -> None:
    body = "design:\n  kind: lhs\n  uncertainties:\n    policy.pool.rule: [need, silo, need]\n"
    [(field, message)] = experiment_problems(tmp_path, body)
    assert field == "design.uncertainties.policy.pool.rule"
    assert "the sample would draw it twice as often" in message


def test_a_zip_row_listed_twice_is_refused_but_a_repeated_column_value_is_not(tmp_path: Path) -> None:
    body = "design:\n  kind: zip\n  levers:\n    policy.pool.rate: [0.1, 0.1, 0.1]\n    policy.ring_fence_share: [0.9, 0.5, 0.9]\n"
    [(field, message)] = experiment_problems(tmp_path, body)
    assert field == "design" and message.startswith("the zip row [0.1, 0.9] is listed twice")
    fine = experiment_file(tmp_path, body.replace("[0.9, 0.5, 0.9]", "[0.9, 0.5, 0.1]"))
    assert len(load_experiment(fine).design.points) == 3


def test_a_grid_of_values_that_print_alike_is_refused(tmp_path: Path) -> None:
    """1 and "1" are different values but one point name: the points would merge in the tables."""
    body = "design:\n  kind: grid\n  levers:\n    policy.settlement_years: [1, '1']\n"
    assert experiment_problems(tmp_path, body) == [
        ("design", "two points are both named 'policy.settlement_years=1'; give each value or point its own name")
    ]


POINTS_WITH_ONE_NAMED_BASELINE = (
    "design:\n  kind: scenarios\n  points:\n    baseline: {}\n    pooled: {set: {policy.pool.rule: need, policy.pool.rate: 0.2}}\n"
)


def test_a_point_named_like_the_baseline_that_the_file_adds_is_refused(tmp_path: Path) -> None:
    body = "baseline: {policy.pool.rule: silo}\n" + POINTS_WITH_ONE_NAMED_BASELINE
    [(field, message)] = experiment_problems(tmp_path, body)
    assert field == "baseline"
    assert "already has one; rename that point, or compare with it by writing baseline: baseline" in message


def test_a_point_named_baseline_can_be_the_baseline(tmp_path: Path) -> None:
    body = "baseline: baseline\n" + POINTS_WITH_ONE_NAMED_BASELINE
    assert load_experiment(experiment_file(tmp_path, body)).design.baseline == "baseline"


def test_two_points_written_with_one_name_are_refused(tmp_path: Path) -> None:
    body = "design:\n  kind: scenarios\n  points:\n    pooled: {}\n    pooled: {set: {policy.pool.rate: 0.2}}\n"
    [(field, message)] = experiment_problems(tmp_path, body)
    assert field == "design.points.pooled" and "'pooled' is written twice (first on line" in message


@pytest.mark.parametrize("name", ["../../escape", "/tmp/placesim-escape", "..", ".hidden", "a/b", "a\\\\b", "C:x", "''"])
def test_an_experiment_name_that_is_not_a_simple_folder_name_is_refused(tmp_path: Path, name: str) -> None:
    path = experiment_file(tmp_path, "design:\n  kind: grid\n  levers:\n    policy.pool.rate: [0.1]\n")
    path.write_text(path.read_text().replace("name: exp\n", f"name: {name}\n"))
    with pytest.raises(ScenarioError) as caught:
        load_experiment(path)
    [(field, message)] = caught.value.problems
    assert field == "name"
    assert message.startswith("must be a simple folder name")


def test_a_file_that_is_not_an_experiment_says_so_without_its_content(tmp_path: Path) -> None:
    path = tmp_path / "credentials.yaml"
    path.write_text("root:*:20228:0:99999:7:::\napi_key: sk-live-123\n")
    with pytest.raises(ScenarioError) as caught:
        load_experiment(path)
    [(field, message)] = caught.value.problems
    assert field == "" and message.startswith("is not an experiment file")
    assert "api_key" not in str(caught.value) and "20228" not in str(caught.value)


def test_a_scenario_given_as_an_experiment_is_named_as_one() -> None:
    shipped = Path(__file__).resolve().parents[2] / "scenarios" / "pooled.yaml"
    with pytest.raises(ScenarioError) as caught:
        load_experiment(shipped)
    assert caught.value.problems == [("", "is a scenario file, not an experiment: run it with `placesim run`")]


def test_an_extra_prevention_amount_beyond_the_schema_bound_is_refused(tmp_path: Path) -> None:
    problems = experiment_problems(tmp_path, WRONG_POCKET.replace("5.0e6", "1.0e+308"))
    assert [field for field, _ in problems] == ["design.amount_gbp_per_year"]
