"""Rank correlations across a space-filling sample: a known monotone relation is found, noise is not."""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.analysis.exploration import rank_correlations, spearman_interval


def sample(n: int, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    x, z = rng.uniform(0, 1, n), rng.uniform(0, 1, n)
    return pd.DataFrame({"levers": "", "x": x, "z": z, "y": np.exp(-3 * x) + rng.normal(0, 0.01, n)})


def test_a_monotone_decreasing_relation_has_rho_near_minus_one_and_noise_near_zero():
    table = rank_correlations(sample(200), ["x", "z"], ["y"]).set_index("parameter")
    assert table.loc["x", "value"] < -0.95 and table.loc["x", "p_holm"] < 1e-6
    assert abs(table.loc["z", "value"]) < 0.2 and table.loc["z", "p_holm"] > 0.05
    assert table.loc["x", "ci_low"] < table.loc["x", "value"] < table.loc["x", "ci_high"]


def test_the_interval_covers_a_zero_correlation_about_95_percent_of_the_time():
    covered = 0
    for seed in range(300):
        frame = sample(40, seed)
        rho = frame[["z", "y"]].rank().corr().iloc[0, 1]
        low, high = spearman_interval(rho, 40)
        covered += low <= 0.0 <= high
    assert 0.92 <= covered / 300 <= 0.98
