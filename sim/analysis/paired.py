"""Paired differences against the baseline: runs that share a seed are compared within the pair.

Because replication r of every design point runs on the same citizens and shocks (common random
numbers), the difference `point - baseline` within replication r removes most of the noise; the
95% interval is the t interval of the mean paired difference over replications.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

CONFIDENCE = 0.95


def paired_differences(runs: pd.DataFrame, baseline: str, measures: list[str]) -> pd.DataFrame:
    """Per point and measure: mean of (point - baseline) over replications, with a 95% t interval."""
    base = runs[runs["point"] == baseline].set_index("replication")[measures]
    rows = []
    for point, group in runs[runs["point"] != baseline].groupby("point", sort=False):
        differences = group.set_index("replication")[measures] - base
        differences = differences.dropna()
        n = len(differences)
        for measure in measures:
            values = differences[measure].to_numpy()
            mean = float(values.mean()) if n else np.nan
            if n > 1:
                half = float(stats.t.ppf(0.5 + CONFIDENCE / 2, n - 1) * values.std(ddof=1) / np.sqrt(n))
            else:
                half = np.nan
            rows.append({"point": point, "measure": measure, "pairs": n, "mean_difference": mean,
                         "ci_low": mean - half, "ci_high": mean + half})  # fmt: skip
    return pd.DataFrame(rows)
