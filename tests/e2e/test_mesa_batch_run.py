"""Mesa's own `batch_run` drives PlaceModel, and its numbers are placesim's numbers."""

from __future__ import annotations

import pandas as pd
import pytest
from mesa.batchrunner import batch_run

from sim.model import simulate
from sim.model.model import PlaceModel
from sim.scenario import load_scenario
from tests.conftest import ROOT

SCENARIO = ROOT / "scenarios" / "pooled.yaml"
QUICK = {"population_sample": 1000, "steps": 6}


@pytest.fixture(scope="module")
def batch() -> pd.DataFrame:
    rows = batch_run(
        PlaceModel,
        parameters={"scenario": str(SCENARIO), "seed": [1, 2], "policy.pool.rate": [0.1, 0.4], **QUICK},
        data_collection_period=1,
        display_progress=False,
    )
    return pd.DataFrame(rows)


def test_batch_run_runs_every_combination_to_the_horizon(batch):
    runs = batch.groupby(["seed", "policy.pool.rate"])
    assert runs.ngroups == 4
    # Mesa 3.3.1's batch_run reports collections 0 .. steps - 1: it leaves out the last one (mesa/mesa#2514)
    assert (runs["Step"].max() == QUICK["steps"] - 1).all()
    assert set(batch["agency"]) == set(load_scenario(SCENARIO).agencies)


def test_batch_run_reports_what_simulate_computes(batch):
    for (seed, rate), rows in batch.groupby(["seed", "policy.pool.rate"]):
        scenario = load_scenario(SCENARIO, overrides={"policy.pool.rate": rate})
        steps = simulate(scenario, seed=int(seed), steps=QUICK["steps"], population_sample=QUICK["population_sample"]).steps
        crises = steps[steps["measure"] == "crises"].groupby("step")["value"].sum()
        reported = rows.drop_duplicates("Step").set_index("Step")["crises_this_quarter"].iloc[1:]
        pd.testing.assert_series_equal(reported, crises.loc[reported.index], check_names=False, check_index_type=False)
        pool = steps[steps["measure"] == "pool_balance_gbp"].set_index("step")["value"]
        reported_pool = rows.drop_duplicates("Step").set_index("Step")["pool_balance_gbp"].iloc[1:]
        pd.testing.assert_series_equal(reported_pool, pool.loc[reported_pool.index], check_names=False, check_index_type=False)


def test_the_pooling_rate_acts_in_batch_run(batch):
    quarters = batch[batch["Step"] > 0].drop_duplicates(["seed", "policy.pool.rate", "Step"])
    by_rate = quarters.groupby("policy.pool.rate")["pooled_this_quarter_gbp"].mean()
    assert by_rate[0.4] > 2 * by_rate[0.1] > 0


def test_batch_run_in_two_processes_gives_the_same_numbers(batch):
    rows = batch_run(
        PlaceModel,
        parameters={"scenario": str(SCENARIO), "seed": [1, 2], "policy.pool.rate": 0.4, **QUICK},
        number_processes=2,
        display_progress=False,
    )
    parallel = pd.DataFrame(rows).drop_duplicates("seed").set_index("seed")["spend_this_quarter_gbp"].sort_index()
    sequential = batch[(batch["policy.pool.rate"] == 0.4) & (batch["Step"] == QUICK["steps"] - 1)]
    expected = sequential.drop_duplicates("seed").set_index("seed")["spend_this_quarter_gbp"].sort_index()
    pd.testing.assert_series_equal(parallel, expected)
