"""The wrong-pocket matrix recovers known savings per £1, its interval covers them, and the
heatmap shows every cell; one small real experiment gives a finite matrix that adds up."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.analysis.paired import paired_differences
from sim.analysis.report import write_report
from sim.analysis.wrong_pocket import (
    ALL_AGENCIES,
    ELSEWHERE,
    bootstrap_interval,
    plot_wrong_pocket,
    wrong_pocket_matrix,
    wrong_pocket_section,
    wrong_pocket_table,
)
from sim.experiment import load_experiment, load_results
from sim.experiment.store import ExperimentResults
from sim.scenario import ScenarioError
from tests.experiment.conftest import experiment_file

AGENCIES = ["a", "b", "c"]
# TRUE[spender][saver]: £ the saver's acute spend falls per £1 of the spender's extra prevention
TRUE = {"a": {"a": 0.2, "b": 1.5, "c": 0.0}, "b": {"a": 0.4, "b": -0.1, "c": 0.8}}
STEPS = 8
GRANT_PER_YEAR = 1.0e6


def spend_rows(point_id: int, replication: int, totals: dict[tuple[str, str], float], steps: int) -> list[dict]:
    """A run's spend_gbp rows: each (agency, category) total spread evenly over the steps."""
    return [
        {"step": step, "measure": "spend_gbp", "agency": agency, "domain": "x", "category": category,
         "value": value / steps, "run_id": f"p{point_id}-r{replication}", "point_id": point_id,
         "replication": replication, "seed": 100 + replication}
        for (agency, category), value in totals.items()
        for step in range(1, steps + 1)
    ]  # fmt: skip


def synthetic_results(
    replications: int, seed: int = 0, noise_gbp: float = 1.0e5, pool: bool = False, steps: int = STEPS
) -> ExperimentResults:
    """Baseline spend with large shared noise per replication; at spender s's point, s's prevention
    rises by X_r and every saver's acute spend falls by TRUE[s][saver] * X_r plus small noise."""
    rng = np.random.default_rng(seed)
    points = ["unchanged", "+prevention: a", "+prevention: b"]
    rows, runs = [], []
    for replication in range(replications):
        base = {(agency, "acute"): rng.normal(5e7, 1e7) for agency in AGENCIES}
        base |= {(agency, "prevention"): rng.normal(5e6, 1e6) for agency in AGENCIES}
        base |= {(agency, "assessment"): rng.normal(1e6, 2e5) for agency in AGENCIES}
        if pool:
            base |= {("a", "pool_contribution"): 3e6, ("pool", "pool_prevention"): 2e6, ("pool", "governance"): 1e5}
        for point_id, point in enumerate(points):
            totals = dict(base)
            if point_id:
                spender = point.removeprefix("+prevention: ")
                extra = rng.uniform(1.5e6, 2.5e6)
                totals[(spender, "prevention")] += extra
                for saver, per_pound in TRUE[spender].items():
                    totals[(saver, "acute")] -= per_pound * extra + rng.normal(0.0, noise_gbp)
                if pool:  # a transfer, not spend: it must not look like a cost to a
                    totals[("a", "pool_contribution")] += 1.0e6
            rows += spend_rows(point_id, replication, totals, steps)
            runs.append(
                {
                    "run_id": f"p{point_id}-r{replication}",
                    "point_id": point_id,
                    "point": point,
                    "replication": replication,
                }
            )
    design = pd.DataFrame(
        {"point_id": [0, 1, 2], "point": points, "baseline": [True, False, False],
         "param:agencies.a.extra_prevention_gbp_per_year": [None, json.dumps(GRANT_PER_YEAR), None],
         "param:agencies.b.extra_prevention_gbp_per_year": [None, None, json.dumps(GRANT_PER_YEAR)]}
    )  # fmt: skip
    return ExperimentResults(Path("synthetic"), {}, pd.DataFrame(runs), pd.DataFrame(rows), design)


def cell(matrix: pd.DataFrame, spender: str, saver: str) -> pd.Series:
    return matrix.set_index(["spender", "saver"]).loc[(spender, saver)]


def test_the_matrix_recovers_the_true_savings_per_pound_within_its_interval():
    matrix = wrong_pocket_matrix(synthetic_results(40))
    for spender, row in TRUE.items():
        for saver, per_pound in row.items():
            found = cell(matrix, spender, saver)
            assert found["pairs"] == 40
            assert found["savings_per_gbp"] == pytest.approx(per_pound, abs=0.03)
            assert found["ci_low"] <= per_pound <= found["ci_high"]
            assert found["ci_high"] - found["ci_low"] < 0.1  # pairing removes the shared noise of £10m


def test_each_row_has_every_saver_then_elsewhere_and_all_agencies():
    matrix = wrong_pocket_matrix(synthetic_results(10))
    assert matrix["spender"].unique().tolist() == ["a", "b"]
    assert matrix[matrix["spender"] == "a"]["saver"].tolist() == [*AGENCIES, ELSEWHERE, ALL_AGENCIES]
    for spender, row in TRUE.items():
        total = cell(matrix, spender, ALL_AGENCIES)["savings_per_gbp"]
        elsewhere = cell(matrix, spender, ELSEWHERE)["savings_per_gbp"]
        assert total == pytest.approx(sum(row.values()), abs=0.05)
        assert elsewhere == pytest.approx(total - cell(matrix, spender, spender)["savings_per_gbp"])


def test_extra_spend_is_the_mean_paired_rise_in_the_spenders_prevention_and_the_grant_is_kept():
    found = cell(wrong_pocket_matrix(synthetic_results(200)), "a", "b")
    assert found["extra_spend_gbp"] == pytest.approx(2.0e6, rel=0.03)
    assert found["grant_gbp"] == pytest.approx(GRANT_PER_YEAR * STEPS / 4)


def test_the_interval_covers_the_truth_about_95_percent_of_the_time():
    rng = np.random.default_rng(1)
    covered, trials, per_pound = 0, 400, TRUE["b"]["c"]
    for _ in range(trials):
        extra = rng.uniform(1.5e6, 2.5e6, 30)
        saving = per_pound * extra + rng.normal(0.0, 4.0e5, 30)
        low, high = bootstrap_interval(extra, saving[None, :])
        covered += low[0] <= per_pound <= high[0]
    assert 0.89 <= covered / trials <= 0.99, covered / trials  # a percentile bootstrap of 30 pairs runs a little narrow


def test_the_spenders_own_prevention_is_not_its_saving_but_a_savers_prevention_is():
    results = synthetic_results(10, noise_gbp=0.0)
    steps = results.steps.copy()
    at_a = steps["point_id"] == 1
    steps.loc[at_a & (steps["agency"] == "c") & (steps["category"] == "prevention"), "value"] += 1.0e6 / STEPS
    found = wrong_pocket_matrix(ExperimentResults(results.folder, {}, results.runs, steps, results.design))
    assert cell(found, "a", "a")["savings_per_gbp"] == pytest.approx(TRUE["a"]["a"])
    assert cell(found, "a", "c")["saving_gbp"] == pytest.approx(-1.0e6)  # c spent 1m more on its own prevention


def test_a_spending_pool_is_a_saver_and_contributions_are_not_spend():
    matrix = wrong_pocket_matrix(synthetic_results(10, pool=True, noise_gbp=0.0))
    assert matrix[matrix["spender"] == "a"]["saver"].tolist() == [*AGENCIES, "pool", ELSEWHERE, ALL_AGENCIES]
    assert cell(matrix, "a", "pool")["saving_gbp"] == pytest.approx(0.0, abs=1e-6)
    assert cell(matrix, "a", "a")["savings_per_gbp"] == pytest.approx(TRUE["a"]["a"])


def test_a_single_pair_gives_a_ratio_but_no_interval():
    found = cell(wrong_pocket_matrix(synthetic_results(1)), "a", "b")
    assert np.isfinite(found["savings_per_gbp"])
    assert np.isnan(found["ci_low"]) and np.isnan(found["ci_high"])


def test_results_of_another_design_are_refused():
    results = synthetic_results(2)
    design = results.design.drop(columns=[c for c in results.design.columns if c.startswith("param:")])
    with pytest.raises(ScenarioError, match="not a wrong_pocket experiment"):
        wrong_pocket_matrix(ExperimentResults(results.folder, {}, results.runs, results.steps, design))


def test_the_table_is_spenders_by_savers():
    table = wrong_pocket_table(wrong_pocket_matrix(synthetic_results(5)))
    assert table.index.tolist() == ["a", "b"]
    assert table.columns.tolist() == [*AGENCIES, ELSEWHERE, ALL_AGENCIES]


def test_the_heatmap_shows_every_spender_and_saver_annotated_and_centred_on_zero():
    matrix = wrong_pocket_matrix(synthetic_results(10))
    figure = plot_wrong_pocket(matrix)
    axes = figure.axes[0]
    image = axes.get_images()[0]
    assert image.get_array().shape == (2, len(AGENCIES) + 1)  # savers and the whole place
    assert [t.get_text() for t in axes.get_yticklabels()] == ["a", "b"]
    assert [t.get_text() for t in axes.get_xticklabels()] == [*AGENCIES, ALL_AGENCIES]
    texts = [t.get_text() for t in axes.texts]
    assert len(texts) == 2 * (len(AGENCIES) + 1)
    expected = cell(matrix, "a", "b")
    assert f"{expected['savings_per_gbp']:.2f}\n[{expected['ci_low']:.2f}, {expected['ci_high']:.2f}]" in texts
    assert image.norm.vmin == -image.norm.vmax
    assert image.get_cmap().name == "BrBG"
    assert figure.axes[1].get_ylabel() == "£ saved per £1 of extra prevention"
    assert axes.get_title() and axes.get_xlabel() and axes.get_ylabel()


SPENDERS = ["council", "nhs", "police", "fire", "probation", "jobcentre"]


@pytest.fixture(scope="module")
def real_results(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The wrong-pocket experiment of the default place at 1,000 citizens, 6 quarters, 2 replications."""
    folder = tmp_path_factory.mktemp("wrong_pocket")
    body = "replications: 2\nseed: 5\ndesign:\n  kind: wrong_pocket\n  amount_gbp_per_year: 5.0e6\n"
    load_experiment(experiment_file(folder, body, "wrong_pocket")).run(out=folder / "out", workers=1)
    return folder / "out"


def test_a_small_real_experiment_gives_one_finite_row_per_agency_that_adds_up(real_results: Path) -> None:
    results = load_results(real_results)
    matrix = wrong_pocket_matrix(results)
    assert matrix["spender"].unique().tolist() == SPENDERS
    assert (matrix["pairs"] == 2).all()
    assert np.isfinite(matrix[["extra_spend_gbp", "saving_gbp", "savings_per_gbp", "ci_low", "ci_high"]]).all().all()
    assert (matrix["extra_spend_gbp"] > 0).all()
    # a row's savings add up to the fall in the place's total spend plus the extra spend
    whole = matrix[matrix["saver"] == ALL_AGENCIES].set_index("spender")
    total = paired_differences(results.runs, "unchanged", ["total_spend_gbp"]).set_index("point")["mean_difference"]
    for spender in SPENDERS:
        fall = -total[f"+prevention: {spender}"]
        assert whole.loc[spender, "saving_gbp"] - whole.loc[spender, "extra_spend_gbp"] == pytest.approx(fall, rel=1e-6)


def test_the_report_of_a_wrong_pocket_experiment_has_the_heatmap_and_the_table(real_results: Path) -> None:
    report, _ = write_report(real_results)
    assert (report.parent / "figures" / "wrong_pocket.png").is_file()
    table = pd.read_csv(report.parent / "tables" / "wrong_pocket.csv")
    assert table["spender"].unique().tolist() == SPENDERS
    page = report.read_text()
    assert "The wrong pocket" in page and "figures/wrong_pocket.png" in page


def test_other_experiments_have_no_wrong_pocket_section():
    results = synthetic_results(2)
    other = ExperimentResults(
        results.folder, {"experiment": {"design": {"kind": "grid"}}}, results.runs, results.steps, results.design
    )
    assert wrong_pocket_section(other) is None
