"""Outcomes over time: per design point and step, the mean over replications with its 95% band.

The band is the 95% percentile-bootstrap interval of that mean over replications
(sim/analysis/bootstrap.py): it says how well the mean path is known, not how much one run
varies, and it never crosses a bound of the measure (no negative crises or balances).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.analysis.bootstrap import mean_interval


def mean_with_band(steps: pd.DataFrame, measure: str, by: tuple[str, ...] = ()) -> pd.DataFrame:
    """`point_id, *by, step, mean, ci_low, ci_high, replications` for one step measure.

    Rows of the measure are first summed within a run over the columns not in `by` (e.g. crises
    over domains when `by` is empty), so each replication contributes one value per step.
    """
    rows = steps[steps["measure"] == measure]
    keys = ["point_id", *by, "step"]
    per_run = rows.groupby([*keys, "replication"], as_index=False)["value"].sum()
    table = per_run.groupby(keys)["value"].agg(mean="mean", replications="count").reset_index()
    table["ci_low"] = np.nan
    table["ci_high"] = np.nan
    wide = per_run.pivot_table(index=keys, columns="replication", values="value", aggfunc="sum")
    wide = wide.reindex(pd.MultiIndex.from_frame(table[keys]))
    counts = table["replications"].to_numpy()
    for n in np.unique(counts):
        chosen = counts == n
        rows_of_n = wide.to_numpy()[chosen]
        values = np.sort(np.where(np.isnan(rows_of_n), np.inf, rows_of_n), axis=1)[:, :n]  # each row's n values
        low, high = mean_interval(values)
        table.loc[chosen, "ci_low"] = low
        table.loc[chosen, "ci_high"] = high
    return table
