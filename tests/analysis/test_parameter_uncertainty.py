"""Parameter uncertainty from a calibration: the probability a reform pays, and what decides it,
on runs tables with a known relationship; and the report section of a real drawn sweep."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.analysis.grids import varied_parameters
from sim.analysis.parameter_uncertainty import parameter_uncertainty, parameter_uncertainty_for_reading
from sim.analysis.report import write_report
from sim.experiment.experiment import load_experiment
from tests.experiment.conftest import calibration_folder, experiment_with_posterior

REPLICATIONS = 200


def drawn_runs(seed: int = 0) -> pd.DataFrame:
    """A baseline and a reform over 200 draws: the reform's spend difference is -(rate - 0.25) plus
    small noise (it saves money when the drawn rate is above 0.25); its crises difference is
    +take_up plus noise (it never cuts crises), and is unrelated to the rate."""
    rng = np.random.default_rng(seed)
    rate = rng.uniform(0.0, 0.5, REPLICATIONS)
    take_up = rng.uniform(0.4, 1.0, REPLICATIONS)
    spend = rng.normal(1e9, 1e7, REPLICATIONS)  # the world each pair shares
    crises = rng.normal(5000.0, 100.0, REPLICATIONS)
    spend_difference = -(rate - 0.25) * 1e7 + rng.normal(0.0, 1e4, REPLICATIONS)
    crises_difference = take_up * 10 + rng.normal(0.0, 0.1, REPLICATIONS)
    common = {"replication": np.arange(REPLICATIONS), "param:policy.pool.rate": rate, "param:policy.pool.take_up": take_up}
    baseline = pd.DataFrame({**common, "point": "silo", "total_spend_gbp": spend, "total_crises": crises})
    reform = pd.DataFrame({**common, "point": "pooled", "total_spend_gbp": spend + spend_difference,
                           "total_crises": crises + crises_difference})  # fmt: skip
    return pd.concat([baseline, reform], ignore_index=True)


PARAMETERS = ["policy.pool.rate", "policy.pool.take_up"]


def row(table: pd.DataFrame, outcome: str, parameter: str) -> pd.Series:
    return table[(table["outcome"] == outcome) & (table["parameter"] == parameter)].iloc[0]


def test_the_probability_of_saving_money_is_the_share_of_pairs_that_spend_less() -> None:
    runs = drawn_runs()
    table = parameter_uncertainty(runs, "silo", PARAMETERS)
    by_point = runs.set_index(["point", "replication"])["total_spend_gbp"]
    expected = float(((by_point["pooled"] - by_point["silo"]) < 0).mean())
    assert 0.3 < expected < 0.7  # the synthetic reform saves in about half the draws
    assert row(table, "total_spend_gbp", "policy.pool.rate")["probability"] == pytest.approx(expected)
    assert row(table, "total_crises", "policy.pool.rate")["probability"] == 0.0
    assert set(table["pairs"]) == {REPLICATIONS}


def test_the_parameter_that_decides_the_difference_has_rho_near_minus_one_and_ranks_first() -> None:
    table = parameter_uncertainty(drawn_runs(), "silo", PARAMETERS)
    rate = row(table, "total_spend_gbp", "policy.pool.rate")
    assert rate["spearman_rho"] < -0.95 and rate["rank"] == 1
    assert rate["ci_low"] < rate["spearman_rho"] < rate["ci_high"] and rate["p_value"] < 1e-6
    assert abs(row(table, "total_spend_gbp", "policy.pool.take_up")["spearman_rho"]) < 0.2
    take_up = row(table, "total_crises", "policy.pool.take_up")
    assert take_up["spearman_rho"] > 0.95 and take_up["rank"] == 1


def test_rows_come_strongest_first_within_each_point_and_outcome() -> None:
    table = parameter_uncertainty(drawn_runs(), "silo", PARAMETERS)
    assert table[["outcome", "parameter"]].values.tolist() == [
        ["total_spend_gbp", "policy.pool.rate"], ["total_spend_gbp", "policy.pool.take_up"],
        ["total_crises", "policy.pool.take_up"], ["total_crises", "policy.pool.rate"],
    ]  # fmt: skip


def test_a_parameter_the_point_sets_itself_has_no_correlation() -> None:
    runs = drawn_runs()
    runs.loc[runs["point"] == "pooled", "param:policy.pool.rate"] = 0.3
    rate = row(parameter_uncertainty(runs, "silo", PARAMETERS), "total_spend_gbp", "policy.pool.rate")
    assert np.isnan(rate["spearman_rho"]) and np.isnan(rate["rank"])


def test_only_replications_both_points_ran_are_paired() -> None:
    runs = drawn_runs()
    runs = runs[~((runs["point"] == "pooled") & (runs["replication"] >= 150))]
    assert set(parameter_uncertainty(runs, "silo", PARAMETERS)["pairs"]) == {150}


def test_the_table_for_reading_gives_each_point_its_probabilities_and_top_parameters() -> None:
    shown = parameter_uncertainty_for_reading(parameter_uncertainty(drawn_runs(), "silo", PARAMETERS))
    assert shown["point"].tolist() == ["pooled"]
    assert shown["P(cuts crises)"].iloc[0] == f"0% of {REPLICATIONS} pairs"
    assert shown["parameters behind the money difference"].iloc[0].startswith("policy.pool.rate (rho -")


def test_drawn_parameters_are_not_grid_parameters() -> None:
    runs = drawn_runs().assign(**{"param:policy.ring_fence_share": 0.1})
    assert varied_parameters(runs, "silo") == ["policy.pool.rate", "policy.pool.take_up"]
    assert varied_parameters(runs, "silo", PARAMETERS) == []


@pytest.fixture(scope="module")
def drawn_report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny real sweep that draws from a fake calibration: 3 points x 4 paired replications."""
    folder = tmp_path_factory.mktemp("drawn")
    calibration_folder(folder / "calibration")
    path = experiment_with_posterior(folder, replications=4)
    with ThreadPoolExecutor(max_workers=2) as executor:
        load_experiment(path).run(out=folder / "results", executor=executor)
    return write_report(folder / "results")[0]


def test_the_report_of_a_drawn_sweep_says_its_intervals_include_the_calibrations_uncertainty(drawn_report: Path) -> None:
    html = drawn_report.read_text()
    assert "Parameter uncertainty" in html
    assert "includes parameter uncertainty from that calibration" in html
    assert str(drawn_report.parent.parent / "calibration") in html
    assert "parameter uncertainty from that calibration" in (drawn_report.parent / "summary.md").read_text()


def test_the_report_of_a_drawn_sweep_writes_the_table_beside_the_others(drawn_report: Path) -> None:
    table = pd.read_csv(drawn_report.parent / "tables" / "parameter_uncertainty.csv")
    assert set(table["point"]) == {"pooled", "own_rate"}
    assert set(table["parameter"]) == {"policy.pool.rate", "policy.pool.take_up"}
    assert set(table["pairs"]) == {4}
    own_rate = table[(table["point"] == "own_rate") & (table["parameter"] == "policy.pool.rate")]
    assert own_rate["spearman_rho"].isna().all()  # the point sets the rate itself
