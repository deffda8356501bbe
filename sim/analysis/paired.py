"""Paired differences against the baseline: runs that share a seed are compared within the pair.

Because replication r of every design point runs on the same citizens and shocks (common random
numbers), the difference `point - baseline` within replication r removes most of the noise. Per
point and measure this module gives the mean paired difference with its 95% t interval, the
Wilcoxon signed-rank p-value, that p-value Holm-adjusted across the points compared (one family
per measure), and the standardised effect size d_z = mean / sd of the differences.

Efficiency per comparison (docs/plans/money.md section 4) adds derived measures, each taken
within the pair and signed so that a positive value is a saving:

    cashable_saving_gbp            = baseline money_used − point money_used: less cash used
    non_cashable_saving_gbp        = point idle_capacity − baseline idle_capacity: capacity freed
                                     but still paid for, cash only once it is decommissioned
    claimed_saving_gbp             = point claimed_savings − baseline claimed_savings: what the
                                     business cases of the point's extra prevention and packages
                                     claimed when the money was spent (sim/model/savings_estimate.py)
    savings_gap_gbp                = claimed saving − cashable saving: how far the claim overstates
                                     the cash the comparison finds, as it did for Troubled Families
    saving_to_centre_gbp           = baseline net_cost_to_centre − point net_cost_to_centre
    crises_averted_per_million_gbp = (baseline total_crises − point total_crises) / point money
                                     used in GBP m: outcomes per pound

`with_savings` adds them to a runs table (0 for the baseline itself, which saves nothing against
itself), so their paired comparison is the mean saving with the same interval and tests as any
other measure; `paired_differences` adds them when they are asked for.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
from scipy import stats

CONFIDENCE = 0.95
# Saving -> (the summary key it is a paired difference of, the sign that makes a saving positive)
SAVINGS = {
    "cashable_saving_gbp": ("money_used_gbp", -1.0),
    "non_cashable_saving_gbp": ("idle_capacity_gbp", 1.0),
    "claimed_saving_gbp": ("claimed_savings_gbp", 1.0),
    "saving_to_centre_gbp": ("net_cost_to_centre_gbp", -1.0),
}
SAVINGS_GAP = "savings_gap_gbp"
CRISES_AVERTED_PER_MILLION = "crises_averted_per_million_gbp"
DERIVED = (*SAVINGS, SAVINGS_GAP, CRISES_AVERTED_PER_MILLION)


def with_savings(runs: pd.DataFrame, baseline: str) -> pd.DataFrame:
    """`runs` with the derived comparisons of the module docstring as columns, each run against the
    baseline's run of the same replication: 0 for the baseline's own runs, NaN for a replication
    the baseline lacks. A derived measure whose summary keys are missing (results written before
    the money model had them) is left out."""
    base = runs[runs["point"] == baseline].set_index("replication").reindex(runs["replication"])
    derived = {}
    for saving, (key, sign) in SAVINGS.items():
        if key in runs.columns:
            derived[saving] = sign * (runs[key].to_numpy() - base[key].to_numpy())
    if {"claimed_saving_gbp", "cashable_saving_gbp"} <= set(derived):
        derived[SAVINGS_GAP] = derived["claimed_saving_gbp"] - derived["cashable_saving_gbp"]
    if {"total_crises", "money_used_gbp"} <= set(runs.columns):
        averted = base["total_crises"].to_numpy() - runs["total_crises"].to_numpy()
        money_m = runs["money_used_gbp"].to_numpy() / 1e6
        per_million = np.divide(averted, money_m, out=np.full(len(runs), np.nan), where=money_m > 0)
        derived[CRISES_AVERTED_PER_MILLION] = per_million
    return runs.assign(**derived)


def holm(p_values: np.ndarray) -> np.ndarray:
    """Holm's step-down adjustment: controls the family-wise error rate, no independence needed."""
    p_values = np.asarray(p_values, dtype=float)
    adjusted = np.full_like(p_values, np.nan)
    valid = np.flatnonzero(~np.isnan(p_values))
    order = valid[np.argsort(p_values[valid])]
    m = len(order)
    running = 0.0
    for rank, index in enumerate(order):
        running = max(running, min(1.0, (m - rank) * p_values[index]))
        adjusted[index] = running
    return adjusted


def t_band(mean: pd.Series, sd: pd.Series, n: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """The 95% t interval `mean ± t_{0.975, n−1} · sd / √n` of many means at once; NaN where n < 2."""
    n = np.asarray(n, dtype=float)
    t = stats.t.ppf(0.5 + CONFIDENCE / 2, np.maximum(n - 1, 1))
    half = np.where(n > 1, t * np.asarray(sd, dtype=float) / np.sqrt(np.maximum(n, 1)), np.nan)
    return np.asarray(mean, dtype=float) - half, np.asarray(mean, dtype=float) + half


def point_id_of(names: Mapping[int, str], point: str) -> int:
    """The point_id of a named point; a ValueError naming the points there are if it is not one."""
    for point_id, name in names.items():
        if name == point:
            return point_id
    raise ValueError(f"no design point is called {point!r}; the points are {', '.join(map(repr, names.values()))}")


def describe(values: np.ndarray) -> dict[str, float]:
    """Mean, t interval, Wilcoxon p and d_z of one set of paired differences."""
    n = len(values)
    mean = float(values.mean()) if n else np.nan
    sd = float(values.std(ddof=1)) if n > 1 else np.nan
    low, high = t_band([mean], [sd], [n])
    p_value = np.nan
    if n > 1 and np.any(values != 0):
        p_value = float(stats.wilcoxon(values, zero_method="wilcox").pvalue)
    return {
        "pairs": n,
        "mean_difference": mean,
        "ci_low": float(low[0]),
        "ci_high": float(high[0]),
        "wilcoxon_p": p_value,
        "effect_size_dz": mean / sd if sd and sd > 0 else np.nan,
    }


def pair_differences(runs: pd.DataFrame, baseline: str, measures: list[str]) -> pd.DataFrame:
    """Every pair's own difference from the baseline: `point, replication, measure, difference`
    (point minus baseline in the same replication), the values whose mean `paired_differences`
    describes; what the spread of single runs shows."""
    base = runs[runs["point"] == baseline].set_index("replication")[measures]
    frames = []
    for point, group in runs[runs["point"] != baseline].groupby("point", sort=False):
        differences = (group.set_index("replication")[measures] - base).dropna(how="all").reset_index()
        frames.append(differences.melt(id_vars="replication", var_name="measure", value_name="difference").assign(point=point))
    columns = ["point", "replication", "measure", "difference"]
    return pd.concat(frames, ignore_index=True)[columns] if frames else pd.DataFrame(columns=columns)


def paired_differences(runs: pd.DataFrame, baseline: str, measures: list[str]) -> pd.DataFrame:
    """Per point and measure: the paired comparison with the baseline (see the module docstring).
    `measures` may name the derived savings; they are added with `with_savings` if `runs` lacks them."""
    if any(m in DERIVED and m not in runs.columns for m in measures):
        runs = with_savings(runs, baseline)
    base = runs[runs["point"] == baseline].set_index("replication")[measures]
    rows = []
    for point, group in runs[runs["point"] != baseline].groupby("point", sort=False):
        differences = (group.set_index("replication")[measures] - base).dropna()
        for measure in measures:
            rows.append({"point": point, "measure": measure, **describe(differences[measure].to_numpy())})
    table = pd.DataFrame(rows)
    if not table.empty:
        table["p_holm"] = table.groupby("measure")["wilcoxon_p"].transform(lambda p: holm(p.to_numpy()))
    return table


BOOTSTRAP_RESAMPLES = 4000
BOOTSTRAP_SEED = 20091


def icer(
    runs: pd.DataFrame,
    baseline: str,
    cost: str = "money_used_gbp",
    effect: str = "mean_wellbeing",
    effect_scale: float = 1.0,
) -> pd.DataFrame:
    """Incremental cost-effectiveness ratio of each point against the baseline, paired by seed.

    ICER = mean(delta cost) / (mean(delta effect) * effect_scale). With the default measures and
    `effect_scale` = people x years it is GBP per wellbeing-year: the extra money used for one person
    living one year one wellbeing point (0-1 scale) better off. The 95% interval is a percentile
    bootstrap over replication pairs (fixed seed, so reports are reproducible), as are the
    intervals of the mean changes in cost and effect (`cost_ci_*`, `effect_ci_*`), drawn as the
    error bars of the cost-effectiveness plane. A ratio is only
    bounded when the effect is distinguishable from zero: where the bootstrap effect crosses
    zero the interval is NaN and `bounded` is False. `quadrant` says which of the four
    cost-effectiveness quadrants the means fall in: "cheaper and better" dominates the baseline.
    """
    base = runs[runs["point"] == baseline].set_index("replication")[[cost, effect]]
    generator = np.random.default_rng(BOOTSTRAP_SEED)
    rows = []
    for point, group in runs[runs["point"] != baseline].groupby("point", sort=False):
        differences = (group.set_index("replication")[[cost, effect]] - base).dropna()
        delta_cost = differences[cost].to_numpy()
        delta_effect = differences[effect].to_numpy() * effect_scale
        n = len(delta_cost)
        boot_cost, boot_effect = bootstrap_means(np.vstack([delta_cost, delta_effect]), BOOTSTRAP_RESAMPLES, generator)
        bounded = bool(np.all(boot_effect > 0) or np.all(boot_effect < 0))
        low, high = np.percentile(boot_cost / boot_effect, [2.5, 97.5]) if bounded else (np.nan, np.nan)
        cost_low, cost_high = np.percentile(boot_cost, [2.5, 97.5])
        effect_low, effect_high = np.percentile(boot_effect, [2.5, 97.5])
        mean_cost, mean_effect = float(delta_cost.mean()), float(delta_effect.mean())
        rows.append({
            "point": point,
            "pairs": n,
            "delta_cost": mean_cost,
            "cost_ci_low": float(cost_low),
            "cost_ci_high": float(cost_high),
            "delta_effect": mean_effect,
            "effect_ci_low": float(effect_low),
            "effect_ci_high": float(effect_high),
            "icer": mean_cost / mean_effect if mean_effect else np.nan,
            "ci_low": float(low),
            "ci_high": float(high),
            "bounded": bounded,
            "quadrant": quadrant(mean_cost, mean_effect),
        })  # fmt: skip
    return pd.DataFrame(rows)


def bootstrap_means(values: np.ndarray, resamples: int, generator: np.random.Generator) -> np.ndarray:
    """Means of each row of `values` (pairs along the last axis) over `resamples` resamplings of
    the pairs with replacement; every row is resampled with the same draws, so ratios of rows
    stay paired. Shape: values.shape[:-1] + (resamples,)."""
    n = values.shape[-1]
    drawn = generator.integers(0, n, size=(resamples, n))
    return values[..., drawn].mean(axis=-1)


def quadrant(delta_cost: float, delta_effect: float) -> str:
    """Where a point lies on the cost-effectiveness plane, in words."""
    cheaper = "cheaper" if delta_cost < 0 else "dearer"
    better = "better" if delta_effect > 0 else "worse"
    return f"{cheaper} and {better}"
