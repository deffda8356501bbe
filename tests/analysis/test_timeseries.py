"""Bands over replications: the mean path, and a 95% interval that covers the true mean."""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.analysis.timeseries import mean_with_band


def steps_table(true_mean: np.ndarray, replications: int, seed: int, domains: tuple[str, ...] = ("a",)) -> pd.DataFrame:
    """A steps table where each run's value at step t is true_mean[t] / len(domains) + N(0, 1) per domain."""
    rng = np.random.default_rng(seed)
    rows = []
    for replication in range(replications):
        for step, mean in enumerate(true_mean, start=1):
            for domain in domains:
                value = mean / len(domains) + rng.normal()
                rows.append((0, replication, step, "crises", domain, value))
    return pd.DataFrame(rows, columns=["point_id", "replication", "step", "measure", "domain", "value"])


def test_the_band_is_the_mean_over_replications_after_summing_within_a_run():
    truth = np.array([10.0, 20.0, 30.0])
    bands = mean_with_band(steps_table(truth, 400, seed=1, domains=("a", "b")), "crises")
    np.testing.assert_allclose(bands["mean"], truth, atol=0.25)
    assert (bands["replications"] == 400).all()


def test_a_panel_column_keeps_its_rows_apart():
    bands = mean_with_band(steps_table(np.array([10.0, 20.0]), 50, seed=2, domains=("a", "b")), "crises", ("domain",))
    assert sorted(bands["domain"].unique()) == ["a", "b"]
    np.testing.assert_allclose(bands.sort_values(["domain", "step"])["mean"], [5, 10, 5, 10], atol=0.6)


def test_the_95_percent_band_covers_the_true_mean_about_95_percent_of_the_time():
    truth = np.full(20, 7.0)
    covered = []
    for seed in range(100):
        bands = mean_with_band(steps_table(truth, 8, seed), "crises")
        covered.extend((bands["ci_low"] <= 7.0) & (7.0 <= bands["ci_high"]))
    assert 0.93 <= np.mean(covered) <= 0.97


def test_one_replication_has_no_band():
    bands = mean_with_band(steps_table(np.array([1.0]), 1, seed=0), "crises")
    assert bands["ci_low"].isna().all()
