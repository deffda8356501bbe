"""Parameter uncertainty from a calibration: how likely a reform is to pay, and what decides it.

When an experiment draws its world from a calibration (`parameters_from`), replication r of
every point runs posterior draw r, so each paired difference `point - baseline` is the reform's
effect in one plausible world, and the spread of the differences holds parameter uncertainty as
well as chance. Per point against the baseline this module gives:

    probability      the share of pairs whose difference is below 0: for total spend, the
                     probability that the reform saves money; for total crises, that it cuts them
    spearman_rho     Spearman's rank correlation between each drawn parameter and the paired
                     difference: the parameters whose value decides whether the reform pays. Its
                     95% interval is Fisher's z (sim/analysis/exploration.py)

A parameter the point sets itself has one value at that point, so its correlation there is NaN.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from sim.analysis.exploration import spearman_interval

PARAMETER_PREFIX = "param:"
# The outcome a paired difference is taken of -> (what a difference below 0 means, what it is in words).
OUTCOMES = {"total_spend_gbp": ("saves money", "money"), "total_crises": ("cuts crises", "crises")}
COLUMNS = ["point", "outcome", "reading", "pairs", "probability", "parameter", "spearman_rho", "ci_low", "ci_high",
           "p_value", "rank"]  # fmt: skip
DRIVERS_SHOWN = 3


def drawn_parameters(manifest: dict[str, Any]) -> list[str]:
    """The parameters an experiment drew from a calibration; empty without `parameters_from`."""
    drawn = manifest.get("parameters_from")
    return list(drawn["parameters"]) if isinstance(drawn, dict) else []


def spearman(values: np.ndarray, differences: np.ndarray) -> tuple[float, float]:
    """(rho, p); NaN for fewer than three pairs or a constant side, where no rank order exists."""
    if len(values) < 3 or np.ptp(values) == 0 or np.ptp(differences) == 0:
        return np.nan, np.nan
    result = stats.spearmanr(values, differences)
    return float(result.statistic), float(result.pvalue)


def parameter_uncertainty(runs: pd.DataFrame, baseline: str, parameters: list[str]) -> pd.DataFrame:
    """Per point (not the baseline), outcome and drawn parameter: the tidy table of the module
    docstring (columns `COLUMNS`; `rank` 1 is the largest |rho| of that point and outcome).
    `runs` is a runs table with a `param:<name>` column per parameter; pairs are replications."""
    outcomes = {outcome: reading for outcome, (reading, _) in OUTCOMES.items() if outcome in runs.columns}
    base = runs[runs["point"] == baseline].set_index("replication")
    rows = []
    for order, (point, group) in enumerate(runs[runs["point"] != baseline].groupby("point", sort=False)):
        group = group.set_index("replication")
        shared = group.index.intersection(base.index)
        for outcome, reading in outcomes.items():
            differences = (group.loc[shared, outcome] - base.loc[shared, outcome]).dropna()
            probability = float((differences < 0).mean()) if len(differences) else np.nan
            for parameter in parameters:
                column = PARAMETER_PREFIX + parameter
                values = group.loc[differences.index, column] if column in group else pd.Series(np.nan, differences.index)
                known = values.notna().to_numpy()
                value_array = values.to_numpy(dtype=float)[known]
                rho, p_value = spearman(value_array, differences.to_numpy(dtype=float)[known])
                low, high = spearman_interval(rho, int(known.sum()))
                rows.append({"point": point, "outcome": outcome, "reading": reading, "pairs": len(differences),
                             "probability": probability, "parameter": parameter, "spearman_rho": rho,
                             "ci_low": low, "ci_high": high, "p_value": p_value, "_point": order})  # fmt: skip
    table = pd.DataFrame(rows, columns=[*COLUMNS[:-1], "_point"])
    strength = table["spearman_rho"].abs()
    table["rank"] = strength.groupby([table["point"], table["outcome"]]).rank(ascending=False, method="first")
    table["_outcome"] = table["outcome"].map(list(OUTCOMES).index)
    table["_rank"] = table["rank"].fillna(len(parameters) + 1)  # NaN correlations last
    table = table.sort_values(["_point", "_outcome", "_rank"], kind="stable")
    return table[COLUMNS].reset_index(drop=True)


def drivers_text(rows: pd.DataFrame) -> str:
    """'policy.pool.rate (rho -0.82), ...' for the strongest parameters of one point and outcome."""
    ranked = rows.dropna(subset=["spearman_rho"]).sort_values("rank").head(DRIVERS_SHOWN)
    return ", ".join(f"{p} (rho {rho:+.2f})" for p, rho in zip(ranked["parameter"], ranked["spearman_rho"], strict=True)) or "n/a"


def parameter_uncertainty_for_reading(table: pd.DataFrame) -> pd.DataFrame:
    """One row per point: the probabilities in words, and the top parameters by |rho| per outcome."""
    rows = []
    for point, group in table.groupby("point", sort=False):
        row: dict[str, Any] = {"point": point}
        for outcome, (reading, noun) in OUTCOMES.items():
            rows_of = group[group["outcome"] == outcome]
            if rows_of.empty:
                continue
            row[f"P({reading})"] = f"{rows_of['probability'].iloc[0]:.0%} of {rows_of['pairs'].iloc[0]} pairs"
            row[f"parameters behind the {noun} difference"] = drivers_text(rows_of)
        rows.append(row)
    return pd.DataFrame(rows)
