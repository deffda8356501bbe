"""Reform against reform: every pair of reforms compared directly, paired by replication.

Comparing each reform with the baseline says whether it beats doing nothing; a decision maker
choosing between two reforms needs their difference. Replication r of every point shares the
baseline's seed r, so the difference of reform b and reform a within replication r is paired
just as a comparison with the baseline is. For each unordered pair (a listed before b) and
measure the table gives the paired comparison of b − a from `paired.paired_differences` (mean,
95% t interval, Wilcoxon p, d_z), with the Wilcoxon p-values Holm-adjusted across all the pairs
compared, one family per measure: k reforms make k(k − 1)/2 comparisons per measure.

A derived saving (e.g. `cashable_saving_gbp`, see sim/analysis/paired.py) is taken with a as the
reference: it is b's saving against a (positive = b uses less than a), not a difference of two
savings against the baseline.
"""

from __future__ import annotations

from itertools import combinations

import pandas as pd

from sim.analysis.paired import DERIVED, holm, paired_differences

COLUMNS = [
    "point", "against", "measure", "mean_difference", "ci_low", "ci_high",
    "pairs", "wilcoxon_p", "p_holm", "effect_size_dz",
]  # fmt: skip


def between_reforms(runs: pd.DataFrame, points: list[str], measures: list[str]) -> pd.DataFrame:
    """`point, against, measure, mean_difference, ci_low, ci_high, pairs, wilcoxon_p, p_holm,
    effect_size_dz`: point (b) minus against (a) for every pair of `points` with a before b,
    pairs in the order of `points`, measures in the order of `measures`."""
    unknown = [point for point in points if point not in set(runs["point"])]
    if unknown:
        raise ValueError(f"no runs of {', '.join(map(repr, unknown))}; the points run are {sorted(set(runs['point']))}")
    runs = runs.drop(columns=[column for column in DERIVED if column in runs.columns])
    tables = []
    for against, point in combinations(points, 2):
        pair = paired_differences(runs[runs["point"].isin([against, point])], against, measures)
        tables.append(pair.assign(against=against))
    table = pd.concat(tables, ignore_index=True) if tables else pd.DataFrame(columns=COLUMNS)
    table["p_holm"] = table.groupby("measure")["wilcoxon_p"].transform(lambda p: holm(p.to_numpy()))
    return table[COLUMNS]
