"""Paired differences over time: per step, each design point minus the baseline in the same replication.

Replication r of every point runs on the baseline's seed r (common random numbers), so the
difference at step t

    d_r(t) = x_point,r(t) − x_baseline,r(t)

removes the noise the two runs share, as sim/analysis/paired.py does for whole-run measures. Per
point (and `by` group) and step the table gives the mean over the n replications both have,

    mean(t) = (1/n) Σ_r d_r(t),   95% interval  mean(t) ± t_{0.975, n−1} · sd_r(d_r(t)) / √n,

a t interval for the mean paired difference (NaN with one pair): how well the mean path of the
difference is known, not how much a single pair varies.
"""

from __future__ import annotations

import pandas as pd

from sim.analysis.paired import t_band

RUN = ["point_id", "replication"]


def paired_over_time(
    steps: pd.DataFrame, measure: str, baseline_point_id: int, by: tuple[str, ...] = ()
) -> pd.DataFrame:
    """`point_id, *by, step, mean_difference, ci_low, ci_high, pairs` for one step measure.

    Rows of the measure are first summed within a run over the columns not in `by` (as
    `timeseries.mean_with_band` does), so each run has one value per `by` group and step. A
    group and step that a run lacks while its partner has it counts as 0 in that run (spend is
    stored only where it is not zero, e.g. the pool in a silo run); groups neither has are not
    rows. Only replications that both the point and the baseline ran are paired; the baseline
    itself is not a row (it differs from itself by 0).
    """
    by = list(by)
    keys = [*by, "step"]
    rows = steps[steps["measure"] == measure]
    per_run = rows.groupby([*RUN, *keys], as_index=False)["value"].sum()
    is_base = per_run["point_id"] == baseline_point_id
    base = per_run[is_base].drop(columns="point_id").rename(columns={"value": "baseline_value"})
    points = per_run[~is_base]
    pairs = points[RUN].drop_duplicates().merge(base[["replication"]].drop_duplicates(), on="replication")
    # every pair gets the baseline's groups and steps as well as its own, missing ones then 0
    base_keys = pairs.merge(base, on="replication")
    paired = points.merge(pairs, on=RUN).merge(base_keys, on=[*RUN, *keys], how="outer")
    paired = paired.fillna({"value": 0.0, "baseline_value": 0.0})
    paired["difference"] = paired["value"] - paired["baseline_value"]
    table = (
        paired.groupby(["point_id", *keys])["difference"]
        .agg(mean_difference="mean", sd="std", pairs="count")
        .reset_index()
    )
    table["ci_low"], table["ci_high"] = t_band(table["mean_difference"], table["sd"], table["pairs"])
    return table[["point_id", *keys, "mean_difference", "ci_low", "ci_high", "pairs"]]
