"""Service spend is the money used: every spend row but pool contributions, and nothing else."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from sim.analysis.count import POOL_CONTRIBUTION, experiment_count, service_spend
from sim.experiment.store import load_results
from sim.model.agencies import STEPS_PER_YEAR


def test_service_spend_leaves_out_pool_contributions_and_other_measures():
    steps = pd.DataFrame({
        "step": [1, 1, 1, 1],
        "measure": ["spend_gbp", "spend_gbp", "spend_gbp", "crises"],
        "agency": ["council", "council", "pool", ""],
        "domain": ["children", "", "", "children"],
        "category": ["acute", POOL_CONTRIBUTION, "pool_prevention", ""],
        "value": [10.0, 4.0, 3.0, 99.0],
    })  # fmt: skip
    spend = service_spend(steps)
    assert spend["value"].tolist() == [10.0, 3.0]
    assert spend["agency"].tolist() == ["council", "pool"]


def test_service_spend_of_a_run_is_its_money_used(scenarios_results: Path):
    results = load_results(scenarios_results)
    per_run = service_spend(results.steps).groupby(["point_id", "replication"])["value"].sum()
    money_used = results.runs.set_index(["point_id", "replication"])["money_used_gbp"]
    np.testing.assert_allclose(per_run.reindex(money_used.index), money_used, rtol=1e-12)


def test_the_experiment_count_adds_up_to_money_used_per_year(scenarios_results: Path):
    results = load_results(scenarios_results)
    years = results.steps["step"].max() / STEPS_PER_YEAR
    per_point = experiment_count(results.steps).groupby("point_id")["gbp_per_year"].sum()
    expected = results.runs.groupby("point_id")["money_used_gbp"].mean() / years
    np.testing.assert_allclose(per_point.reindex(expected.index), expected, rtol=1e-12)
