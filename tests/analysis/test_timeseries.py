"""Bands over replications: the mean path, and a 95% interval that covers the true mean and keeps its bounds."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

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


@settings(max_examples=40, deadline=None)
@given(
    values=st.lists(st.lists(st.floats(0, 1e6), min_size=2, max_size=6), min_size=1, max_size=4).filter(
        lambda rows: len({len(r) for r in rows}) == 1
    )
)
def test_the_band_never_leaves_the_range_of_the_replications_values(values: list[list[float]]) -> None:
    """A count or a balance cannot go below zero, so neither may its band (a t interval of 5 runs does)."""
    rows = [(0, r, step, "crises", "a", v) for step, runs in enumerate(values, start=1) for r, v in enumerate(runs)]
    steps = pd.DataFrame(rows, columns=["point_id", "replication", "step", "measure", "domain", "value"])
    bands = mean_with_band(steps, "crises").sort_values("step")
    low, high = np.min(values, axis=1), np.max(values, axis=1)
    assert (bands["ci_low"].to_numpy() >= low - 1e-9 * (1 + high)).all()
    assert (bands["ci_high"].to_numpy() <= high + 1e-9 * (1 + high)).all()
    assert (bands["ci_low"] <= bands["mean"] + 1e-9 * (1 + high)).all()
    assert (bands["mean"] <= bands["ci_high"] + 1e-9 * (1 + high)).all()


def test_five_skewed_replications_near_zero_keep_a_band_above_zero() -> None:
    """The issue's case: substance crises of 5 runs, most near 0: the t interval went negative."""
    runs = [0.0, 0.0, 0.1, 0.2, 3.0]
    steps = pd.DataFrame([(0, r, 1, "crises", "a", v) for r, v in enumerate(runs)],
                         columns=["point_id", "replication", "step", "measure", "domain", "value"])  # fmt: skip
    band = mean_with_band(steps, "crises").iloc[0]
    t_low = np.mean(runs) - stats.t.ppf(0.975, 4) * np.std(runs, ddof=1) / np.sqrt(5)
    assert t_low < 0 <= band["ci_low"] < band["mean"] < band["ci_high"] <= 3.0


def test_points_with_different_replication_counts_get_bands_from_their_own_runs() -> None:
    """A partial sweep: one point has 4 runs, another 2; each band uses that point's values only."""
    rows = [(0, r, 1, "crises", "a", v) for r, v in enumerate([1.0, 2.0, 3.0, 4.0])]
    rows += [(1, r, 1, "crises", "a", v) for r, v in enumerate([10.0, 12.0])]
    steps = pd.DataFrame(rows, columns=["point_id", "replication", "step", "measure", "domain", "value"])
    bands = mean_with_band(steps, "crises").set_index("point_id")
    assert bands.loc[0, "replications"] == 4 and bands.loc[1, "replications"] == 2
    assert 1.0 <= bands.loc[0, "ci_low"] < bands.loc[0, "ci_high"] <= 4.0
    assert 10.0 <= bands.loc[1, "ci_low"] < bands.loc[1, "ci_high"] <= 12.0
