"""Who saves: each agency's part of a reform's cashable saving against the baseline.

The money a run uses is its service spend (sim/analysis/count.py `service_spend`), which splits
by the agency that spent it, the pool (what the pool buys) being one more account. Per reform,
agency a and replication r, over a horizon of Y years,

    s_a,r = (spend_a,r(baseline) − spend_a,r(point)) / Y      GBP per year; positive = a spends less

and summed over agencies s_r = Σ_a s_a,r is the point's cashable saving per year
((baseline money_used_gbp − point money_used_gbp) / Y, sim/analysis/paired.py). The table gives
the mean of s_a,r over the replication pairs with its 95% t interval (`paired.describe`), and the
agency's share of the saving

    share_a = mean_r s_a,r / mean_r s_r,

which is NaN unless the total is distinguishable from zero: unless the 95% t interval of mean_r
s_r lies wholly above or wholly below 0 (so also NaN with a single pair). Shares then sum to 1;
an agency whose spend moves against the total has a negative share. When the total is negative
(the reform costs more) the shares are each agency's part of the extra spending.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from sim.analysis.count import service_spend
from sim.analysis.paired import describe, point_id_of

RUN = ["point_id", "replication"]


def who_saves(steps: pd.DataFrame, names: Mapping[int, str], baseline: str, years: float) -> pd.DataFrame:
    """`point, agency, saving_gbp_per_year, ci_low, ci_high, pairs, share_of_saving` per reform.

    `names` maps point_id to point name (the design), `years` is the horizon the steps cover.
    Every agency that spent in the point's or the baseline's runs is a row, a run without spend
    by it counting 0; only replications both ran are paired. Rows follow the order of `names`,
    agencies alphabetically; the baseline is not a row.
    """
    baseline_id = point_id_of(names, baseline)
    runs = steps[RUN].drop_duplicates()
    spend = service_spend(steps)
    by_run = spend.pivot_table(index=RUN, columns="agency", values="value", aggfunc="sum", fill_value=0.0)
    by_run = by_run.reindex(pd.MultiIndex.from_frame(runs), fill_value=0.0)
    spenders = spend.groupby("point_id")["agency"].unique()
    base = by_run.xs(baseline_id, level="point_id")
    rows = []
    for point_id, point in names.items():
        if point_id == baseline_id or point_id not in by_run.index.get_level_values("point_id"):
            continue
        agencies = sorted(set(spenders.get(point_id, [])) | set(spenders.get(baseline_id, [])))
        ours = by_run.xs(point_id, level="point_id")
        replications = ours.index.intersection(base.index)
        savings = (base.loc[replications, agencies] - ours.loc[replications, agencies]) / years
        total = describe(savings.sum(axis=1).to_numpy())
        known = total["ci_low"] > 0 or total["ci_high"] < 0
        for agency in agencies:
            saving = describe(savings[agency].to_numpy())
            rows.append({
                "point": point,
                "agency": agency,
                "saving_gbp_per_year": saving["mean_difference"],
                "ci_low": saving["ci_low"],
                "ci_high": saving["ci_high"],
                "pairs": saving["pairs"],
                "share_of_saving": saving["mean_difference"] / total["mean_difference"] if known else np.nan,
            })  # fmt: skip
    columns = ["point", "agency", "saving_gbp_per_year", "ci_low", "ci_high", "pairs", "share_of_saving"]
    return pd.DataFrame(rows, columns=columns)

