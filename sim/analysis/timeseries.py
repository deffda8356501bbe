"""Outcomes over time: per design point and step, the mean over replications with a 95% band.

The band is a t interval for the mean across replications at each step (replications are
independent runs); it says how well the mean path is known, not how much one run varies.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from sim.analysis.paired import CONFIDENCE


def mean_with_band(steps: pd.DataFrame, measure: str, by: tuple[str, ...] = ()) -> pd.DataFrame:
    """`point_id, *by, step, mean, ci_low, ci_high, replications` for one step measure.

    Rows of the measure are first summed within a run over the columns not in `by` (e.g. crises
    over domains when `by` is empty), so each replication contributes one value per step.
    """
    rows = steps[steps["measure"] == measure]
    keys = ["point_id", *by, "step"]
    per_run = rows.groupby([*keys, "replication"], as_index=False)["value"].sum()
    grouped = per_run.groupby(keys)["value"]
    table = grouped.agg(mean="mean", sd="std", replications="count").reset_index()
    t = stats.t.ppf(0.5 + CONFIDENCE / 2, np.maximum(table["replications"] - 1, 1))
    half = np.where(table["replications"] > 1, t * table["sd"] / np.sqrt(table["replications"]), np.nan)
    table["ci_low"] = table["mean"] - half
    table["ci_high"] = table["mean"] + half
    return table.drop(columns="sd")
