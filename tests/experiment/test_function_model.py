"""placesim as a function: picklable, validated when made, paired with a baseline, and driven by
EMA Workbench 2.5.3 in parallel (ReplicatorModel over seeds) with PRIM on the result."""

from __future__ import annotations

import pickle
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.experiment import model_function
from sim.model.simulate import simulate
from sim.scenario import ScenarioError, load_scenario

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # "ipyparallel not installed": an evaluator these tests do not use
    from ema_workbench import (
        ArrayOutcome,
        CategoricalParameter,
        MultiprocessingEvaluator,
        RealParameter,
        ReplicatorModel,
        ScalarOutcome,
    )
    from ema_workbench.analysis import prim

ROOT = Path(__file__).resolve().parents[2]
POOLED = ROOT / "scenarios" / "pooled.yaml"
TINY = {"population_sample": 500, "steps": 4}
SILO = {"policy.pool.rule": "silo"}
SEEDS = [1, 2]
DESIGN = {"scenarios": 3, "policies": 4}
# EMA names (identifiers) -> the scenario's dotted paths, as in docs/experiments.md
VARIABLES = {
    "health_prevention_effect": "domains.health.prevention_effect",
    "pool_rate": "policy.pool.rate",
    "pool_rule": "policy.pool.rule",
}
EmaResults = tuple[pd.DataFrame, dict[str, np.ndarray]]


def run_summary(overrides: dict, seed: int) -> dict[str, float]:
    """What `simulate` reports for pooled.yaml with `overrides`, at the tiny size."""
    scenario = load_scenario(POOLED, overrides=overrides)
    return simulate(scenario, seed=seed, steps=TINY["steps"], population_sample=TINY["population_sample"]).summary


def test_the_function_pickles_and_runs_after_a_round_trip() -> None:
    function = model_function(POOLED, **TINY, baseline=SILO)
    copy = pickle.loads(pickle.dumps(function))
    assert copy == function
    np.testing.assert_equal(copy(**{"policy.pool.rate": 0.3}, seed=3), function(**{"policy.pool.rate": 0.3}, seed=3))


def test_a_bad_base_file_raises_when_the_function_is_made(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(f"extends: {POOLED}\npolicy:\n  pool:\n    rate: lots\n")
    with pytest.raises(ScenarioError, match="policy.pool.rate"):
        model_function(bad)


def test_a_bad_baseline_raises_when_the_function_is_made() -> None:
    with pytest.raises(ScenarioError, match="policy.pool.rul"):
        model_function(POOLED, baseline={"policy.pool.rul": "silo"})


def test_a_relative_base_is_resolved_when_made_so_it_runs_from_any_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(ROOT)
    function = model_function("scenarios/pooled.yaml", **TINY)
    monkeypatch.chdir(tmp_path)
    assert function.base == POOLED
    np.testing.assert_equal(function(seed=3), run_summary({}, seed=3))  # NaN (not measured) equals NaN


def test_a_relative_base_missing_from_the_current_directory_raises_when_made(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ScenarioError, match="file not found"):
        model_function("scenarios/pooled.yaml")


def test_the_seed_keyword_sets_the_run_seed_and_the_default_is_used_otherwise() -> None:
    function = model_function(POOLED, **TINY, seed=4)
    np.testing.assert_equal(function(seed=5), run_summary({}, seed=5))
    np.testing.assert_equal(function(), run_summary({}, seed=4))


def test_vs_baseline_is_the_paired_difference_of_two_runs_with_the_same_seed() -> None:
    parameters = {"policy.pool.rate": 0.3}
    result = model_function(POOLED, **TINY, baseline=SILO)(**parameters, seed=3)
    pooled, silo = run_summary(parameters, seed=3), run_summary({**parameters, **SILO}, seed=3)
    assert result["total_crises_vs_baseline"] != 0
    for measure in pooled:
        np.testing.assert_equal(result[measure], pooled[measure])
        assert result[f"{measure}_vs_baseline"] == pytest.approx(pooled[measure] - silo[measure], abs=1e-9, nan_ok=True)
    assert set(result) == set(pooled) | {f"{measure}_vs_baseline" for measure in pooled}
    assert all(name.isidentifier() for name in result)


def test_vs_baseline_is_zero_when_the_parameters_are_the_baseline() -> None:
    result = model_function(POOLED, **TINY, baseline=SILO)(**SILO, seed=3)
    paired = {name: value for name, value in result.items() if name.endswith("_vs_baseline")}
    assert paired and all(value == 0 or np.isnan(value) for value in paired.values())  # NaN: not measured in either
    assert sum(value == 0 for value in paired.values()) > len(paired) / 2


def test_without_a_baseline_there_are_no_paired_outcomes() -> None:
    result = model_function(POOLED, **TINY)(seed=3)
    assert not any(name.endswith("_vs_baseline") for name in result)


@pytest.fixture(scope="module")
def ema_results() -> EmaResults:
    """The docs' EMA Workbench run at a tiny size: 3 scenarios x 4 policies x 2 seeds, 2 processes.
    Slow (20-30 s) although the runs take seconds: each spawned worker imports EMA and Mesa."""
    model = ReplicatorModel("placesim", function=model_function(POOLED, **TINY, baseline=SILO))
    model.replications = [{"seed": seed} for seed in SEEDS]
    model.uncertainties = [
        RealParameter("health_prevention_effect", 0.05, 0.3, variable_name=VARIABLES["health_prevention_effect"])
    ]
    model.levers = [
        RealParameter("pool_rate", 0.05, 0.5, variable_name=VARIABLES["pool_rate"]),
        CategoricalParameter("pool_rule", ["need", "invest_to_save"], variable_name=VARIABLES["pool_rule"]),
    ]
    model.outcomes = [
        ArrayOutcome("crises", variable_name="total_crises"),
        ArrayOutcome("crises_vs_silo", variable_name="total_crises_vs_baseline"),
        ScalarOutcome("mean_crises_vs_silo", variable_name="total_crises_vs_baseline", function=np.mean),
        ScalarOutcome("mean_pooled", variable_name="pool_contributions_gbp", function=np.mean),
    ]
    state = np.random.get_state()
    np.random.seed(10)  # EMA's Latin hypercube draws from numpy's global generator
    try:
        with MultiprocessingEvaluator(model, n_processes=2) as evaluator:
            return evaluator.perform_experiments(**DESIGN)
    finally:
        np.random.set_state(state)


@pytest.mark.slow
def test_ema_outcomes_have_one_row_per_experiment_and_one_column_per_seed(ema_results: EmaResults) -> None:
    experiments, outcomes = ema_results
    points = DESIGN["scenarios"] * DESIGN["policies"]
    assert len(experiments) == points
    assert set(VARIABLES) <= set(experiments.columns)
    assert outcomes["crises"].shape == outcomes["crises_vs_silo"].shape == (points, len(SEEDS))
    assert outcomes["mean_crises_vs_silo"].shape == (points,)
    assert all(np.isfinite(values).all() for values in outcomes.values())
    assert outcomes["mean_crises_vs_silo"] == pytest.approx(outcomes["crises_vs_silo"].mean(axis=1))


@pytest.mark.slow
def test_ema_seeds_differ_and_each_reproduces_simulate(ema_results: EmaResults) -> None:
    experiments, outcomes = ema_results
    assert (outcomes["crises"][:, 0] != outcomes["crises"][:, 1]).any()
    row = experiments.iloc[0]
    overrides = {path: row[name] for name, path in VARIABLES.items()}
    for column, seed in enumerate(SEEDS):
        pooled, silo = run_summary(overrides, seed), run_summary({**overrides, **SILO}, seed)
        assert outcomes["crises"][0, column] == pytest.approx(pooled["total_crises"], rel=1e-12)
        assert outcomes["crises_vs_silo"][0, column] == pytest.approx(pooled["total_crises"] - silo["total_crises"])


@pytest.mark.slow
def test_prim_finds_where_the_most_money_is_pooled(ema_results: EmaResults) -> None:
    """PRIM on EMA's results as they come. The docs' example boxes crises averted over 240 points;
    on this tiny place (4 quarters, 12 points) crises averted by the calibrated, modest effects are
    within noise, so the test boxes the money pooled, which the pooling rate must drive."""
    experiments, outcomes = ema_results
    x = experiments.drop(columns=["model", "policy"])
    pooled = outcomes["mean_pooled"]
    y = pooled > np.quantile(pooled, 2 / 3)
    box = prim.Prim(x, y, threshold=0.8).find_box()
    assert box.density >= 0.8
    assert box.res_dim >= 1
    assert box.box_lim.loc[0, "pool_rate"] > experiments["pool_rate"].min()
