"""Sensitivity indices recover the Ishigami function's known answers from a results folder.

Ishigami, f = sin x1 + 7 sin^2 x2 + 0.1 x3^4 sin x1 on [-pi, pi]^3, has analytic Sobol indices:
S1 = (0.314, 0.442, 0), ST = (0.558, 0.442, 0.244): x3 acts only through its interaction with x1.
On Morris's 4-level grid (levels -pi, -pi/3, pi/3, pi; a step is 2 levels = 2/3 of the range) each
elementary effect takes few values, so mu* is known too: x2's is always 7 * 0.75 / (2/3) = 7.875;
x1's is 1.5 sin(pi/3) (1 + 0.1 mean(x3^4)) = 7.70; x3's is 14.43 mean|sin x1| = 6.25, with signs
that flip with sin x1, so its sigma exceeds its mu*.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.container import BarContainer
from SALib.test_functions import Ishigami

from sim.analysis.sensitivity import COLUMNS, is_sensitivity_design, plot_sensitivity, sensitivity_indices
from sim.experiment.design import build_design
from sim.experiment.experiment import Experiment
from sim.experiment.runs import run_id
from sim.experiment.spec import Design, ExperimentSpec, Range
from sim.experiment.store import ExperimentResults, load_results, write_atomically, write_json_atomically
from sim.scenario.loading import ScenarioError

BASE = Path(__file__).resolve().parents[2] / "scenarios" / "total_place_pilot.yaml"
CUBE = {name: Range(low=-np.pi, high=np.pi) for name in ("x1", "x2", "x3")}
SOBOL_S1 = {"x1": 0.3139, "x2": 0.4424, "x3": 0.0}
SOBOL_ST = {"x1": 0.5576, "x2": 0.4424, "x3": 0.2437}
MORRIS_MU_STAR = {"x1": 1.5 * np.sin(np.pi / 3) * (1 + 0.1 * (np.pi**4 + (np.pi / 3) ** 4) / 2),
                  "x2": 7 * 0.75 * 1.5,
                  "x3": 0.1 * (np.pi**4 - (np.pi / 3) ** 4) * 1.5 * np.sin(np.pi / 3) / 2}  # fmt: skip
OUTPUT = "total_spend_gbp"
RATE = "policy.pool.rate"

Model = Callable[[np.ndarray, dict[str, Any]], np.ndarray]


def ishigami(sample: np.ndarray, levers: dict[str, Any]) -> np.ndarray:
    return Ishigami.evaluate(sample)


def results_folder(folder: Path, design: Design, model: Model = ishigami, replications: int = 2) -> ExperimentResults:
    """A results folder as a sweep leaves it, with `model` (sample rows, levers) -> output in
    place of the simulation, a little noise per replication, and a baseline point whose output
    is absurd so that counting it would show."""
    spec = ExperimentSpec(name="ishigami", base=str(BASE), design=design, replications=replications, seed=7,
                          baseline={"x1": 0.0})  # fmt: skip
    experiment_file = folder / "ishigami.yaml"
    drawn = build_design(spec, experiment_file)
    rng = np.random.default_rng(0)
    rows = []
    for point in drawn.points:
        levers = {path: point.overrides.get(path) for path in design.levers}
        y = 1e9 if point.sample_index is None else model(drawn.sample[[point.sample_index]], levers)[0]
        for replication in range(replications):
            rows.append({"run_id": run_id(point.point_id, replication), "point_id": point.point_id,
                         "point": point.name, "replication": replication, "seed": replication,
                         OUTPUT: y + rng.normal(0.0, 1e-6), "mean_wellbeing": 0.5})  # fmt: skip
    out = folder / "results"
    out.mkdir()
    manifest = {"experiment_file": str(experiment_file), "experiment": spec.model_dump(mode="json"),
                "baseline": drawn.baseline, "sampled_parameters": drawn.sampled_parameters,
                "sample": drawn.sample.tolist(), "finished": "2026-01-01T00:00:00+00:00"}  # fmt: skip
    write_json_atomically(manifest, out / "manifest.json")
    write_atomically(Experiment(experiment_file, spec, drawn, {}).design_table(), out / "design.parquet")
    write_atomically(pd.DataFrame(rows), out / "runs.parquet")
    write_atomically(pd.DataFrame({"run_id": [], "step": [], "measure": [], "value": []}), out / "steps.parquet")
    return load_results(out)


@pytest.fixture(scope="module")
def sobol_results(tmp_path_factory: pytest.TempPathFactory) -> ExperimentResults:
    return results_folder(tmp_path_factory.mktemp("sobol"), Design(kind="saltelli", uncertainties=CUBE, samples=1024))


@pytest.fixture(scope="module")
def sobol_table(sobol_results: ExperimentResults) -> pd.DataFrame:
    return sensitivity_indices(sobol_results, [OUTPUT])


@pytest.fixture(scope="module")
def morris_table(tmp_path_factory: pytest.TempPathFactory) -> pd.DataFrame:
    design = Design(kind="morris", uncertainties=CUBE, samples=200, morris_levels=4)
    return sensitivity_indices(results_folder(tmp_path_factory.mktemp("morris"), design), [OUTPUT])


def by_parameter(table: pd.DataFrame, index: str, levers: str = "") -> pd.DataFrame:
    return table[(table["levers"] == levers) & (table["index"] == index)].set_index("parameter")


def test_sobol_indices_of_ishigami_match_the_analytic_values(sobol_table: pd.DataFrame) -> None:
    assert list(sobol_table.columns) == COLUMNS
    assert set(sobol_table["method"]) == {"sobol"} and set(sobol_table["index"]) == {"S1", "ST"}
    for index, truth in (("S1", SOBOL_S1), ("ST", SOBOL_ST)):
        values = by_parameter(sobol_table, index)["value"]
        assert values.to_dict() == pytest.approx(truth, abs=0.03)


def test_sobol_intervals_cover_the_analytic_values(sobol_table: pd.DataFrame) -> None:
    covered = []
    for index, truth in (("S1", SOBOL_S1), ("ST", SOBOL_ST)):
        rows = by_parameter(sobol_table, index)
        covered += [rows.loc[p, "ci_low"] <= truth[p] <= rows.loc[p, "ci_high"] for p in truth]
        assert (rows["ci_high"] - rows["ci_low"] < 0.25).all()  # informative, not vacuous
    assert sum(covered) >= 5


def test_morris_mu_star_of_ishigami_matches_its_level_grid_values(morris_table: pd.DataFrame) -> None:
    mu_star = by_parameter(morris_table, "mu_star")
    assert mu_star.loc["x2", "value"] == pytest.approx(MORRIS_MU_STAR["x2"], rel=1e-4)
    for parameter in ("x1", "x3"):
        assert mu_star.loc[parameter, "ci_low"] <= MORRIS_MU_STAR[parameter] <= mu_star.loc[parameter, "ci_high"]


def test_morris_ranks_x1_and_x2_above_x3_and_shows_x3_acts_through_interaction(morris_table: pd.DataFrame) -> None:
    mu_star = by_parameter(morris_table, "mu_star")["value"]
    sigma = by_parameter(morris_table, "sigma")
    assert min(mu_star["x1"], mu_star["x2"]) > mu_star["x3"]
    assert sigma.loc["x3", "value"] > mu_star["x3"] and sigma.loc["x1", "value"] < mu_star["x1"]
    assert sigma[["ci_low", "ci_high"]].isna().all().all()


def test_an_incomplete_sweep_is_refused_saying_how_many_rows_lack_runs(sobol_results: ExperimentResults) -> None:
    runs = sobol_results.runs
    sample_points = sobol_results.design.loc[sobol_results.design["sample_index"].notna(), "point_id"]
    gone = runs["point_id"].isin(sample_points.iloc[:3]) | (
        (runs["point_id"] == sample_points.iloc[3]) & (runs["replication"] == 1)
    )
    incomplete = ExperimentResults(sobol_results.folder, sobol_results.manifest, runs[~gone], sobol_results.steps,
                                   sobol_results.design)  # fmt: skip
    with pytest.raises(ScenarioError, match=r"4 of 5120 sample rows lack runs.*--resume"):
        sensitivity_indices(incomplete, [OUTPUT])


def test_each_lever_combination_is_analysed_on_its_own(tmp_path: Path) -> None:
    def ishigami_or_x3_alone(sample: np.ndarray, levers: dict[str, Any]) -> np.ndarray:
        return Ishigami.evaluate(sample) if levers[RATE] == 0.1 else sample[:, 2]

    design = Design(kind="saltelli", uncertainties=CUBE, levers={RATE: [0.1, 0.3]}, samples=512)
    table = sensitivity_indices(results_folder(tmp_path, design, ishigami_or_x3_alone), [OUTPUT])
    assert list(dict.fromkeys(table["levers"])) == [f"{RATE}=0.1", f"{RATE}=0.3"]
    assert by_parameter(table, "ST", f"{RATE}=0.1")["value"].to_dict() == pytest.approx(SOBOL_ST, abs=0.05)
    assert by_parameter(table, "S1", f"{RATE}=0.3")["value"].to_dict() == pytest.approx(
        {"x1": 0.0, "x2": 0.0, "x3": 1.0}, abs=0.05
    )


def test_the_table_is_reproducible(sobol_results: ExperimentResults, sobol_table: pd.DataFrame) -> None:
    pd.testing.assert_frame_equal(sensitivity_indices(sobol_results, [OUTPUT]), sobol_table)


def test_a_design_without_a_sensitivity_sample_gives_an_empty_table(tmp_path: Path) -> None:
    results = results_folder(tmp_path, Design(kind="lhs", uncertainties=CUBE, samples=8))
    assert not is_sensitivity_design(results.manifest)
    table = sensitivity_indices(results, [OUTPUT])
    assert table.empty and list(table.columns) == COLUMNS


def test_an_output_missing_from_the_runs_is_named(sobol_results: ExperimentResults) -> None:
    with pytest.raises(ScenarioError, match="crises_per_1000"):
        sensitivity_indices(sobol_results, ["crises_per_1000"])


def bars(axis: plt.Axes) -> list[list[float]]:
    """The bar lengths of each bar series drawn on an axis."""
    return [[patch.get_width() for patch in c.patches] for c in axis.containers if isinstance(c, BarContainer)]


def test_the_sobol_plot_draws_s1_and_st_per_parameter_with_their_values(sobol_table: pd.DataFrame) -> None:
    figure = plot_sensitivity(sobol_table, OUTPUT)
    (axis,) = figure.axes
    order = [label.get_text() for label in axis.get_yticklabels()]
    assert order == ["x1", "x2", "x3"]  # by ST, largest on top
    expected = [by_parameter(sobol_table, index)["value"].reindex(order).tolist() for index in ("S1", "ST")]
    np.testing.assert_allclose(bars(axis), expected)
    assert len(axis.lines) + len(axis.collections) > 1  # error bars drawn
    assert OUTPUT in figure.get_suptitle() and "variance" in axis.get_xlabel()
    plt.close(figure)


def test_the_morris_plot_draws_mu_star_and_sigma_per_parameter(morris_table: pd.DataFrame) -> None:
    figure = plot_sensitivity(morris_table, OUTPUT)
    (axis,) = figure.axes
    assert [len(series) for series in bars(axis)] == [3, 3]
    assert "elementary effect" in axis.get_xlabel()
    plt.close(figure)


def test_the_plot_has_a_panel_per_lever_combination(sobol_table: pd.DataFrame) -> None:
    two = pd.concat([sobol_table.assign(levers=f"{RATE}=0.1"), sobol_table.assign(levers=f"{RATE}=0.3")])
    figure = plot_sensitivity(two, OUTPUT)
    assert [axis.get_title() for axis in figure.axes] == [f"{RATE}=0.1", f"{RATE}=0.3"]
    assert [sum(map(len, bars(axis))) for axis in figure.axes] == [6, 6]
    plt.close(figure)
