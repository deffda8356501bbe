"""Payback and net present value of a reform's cashable saving, at the Green Book discount rate.

A reform that costs money early (setting up a pool, prevention before the crises it averts) and
saves later is judged by its discounted saving. Per reform, replication pair r and year y (1..Y),

    S_r(y) = M_r,y(baseline) − M_r,y(point)          the cashable saving in year y, GBP
    D(y)   = 1 / (1 + rate)^(y − 1)                  the discount factor
    C_r(y) = Σ_{u ≤ y} D(u) · S_r(u)                 the cumulative discounted saving
    NPV_r  = C_r(Y)

where M is the money used in the year (service spend, sim/analysis/count.py, over its
STEPS_PER_YEAR steps). Following the Green Book, the first year is year 0 of the appraisal and is
not discounted (t = y − 1). Money values are the model's constant prices, so the rate is the
real social time preference rate. The Green Book's lower rates beyond year 30 are not applied:
the model's horizons are shorter.

A pair pays back in the first year from which C_r stays at or above 0 to the horizon; a pair
whose C_r(Y) is below 0 never pays back. The reform's payback year is the median over pairs,
a pair that never pays back counting as later than any year; it is NaN when that median is not
a year, i.e. unless more than half of the pairs pay back.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from sim.analysis.count import service_spend
from sim.analysis.paired import describe, point_id_of, t_band
from sim.model.agencies import STEPS_PER_YEAR

# HM Treasury Green Book (2018) Annex 6 paras A6.7-A6.8: the social time preference rate,
# 3.5% a year in real terms; data/published_figures.csv row `green_book_discount`.
GREEN_BOOK_DISCOUNT_RATE = 0.035
PAIR = ["point", "replication"]
PAYBACK_COLUMNS = [
    "point", "npv_gbp", "ci_low", "ci_high", "p_positive", "payback_year", "paid_back_share", "pairs", "years",
]  # fmt: skip


def yearly_savings(steps: pd.DataFrame, names: Mapping[int, str], baseline: str) -> pd.DataFrame:
    """`point, replication, year, saving_gbp`: the baseline's money used in each year minus the
    point's, per replication pair (replications both ran), year 1 being steps 1..STEPS_PER_YEAR.
    Only whole years are kept: the steps after the last whole year of the horizon (the longest
    run's last step) are left out, so a 42-step run gives 10 years. The baseline is not a row."""
    baseline_id = point_id_of(names, baseline)
    whole_years = int(steps["step"].max()) // STEPS_PER_YEAR
    runs = pd.MultiIndex.from_frame(steps[["point_id", "replication"]].drop_duplicates())
    spend = service_spend(steps)
    spend = spend.assign(year=(spend["step"] - 1) // STEPS_PER_YEAR + 1)
    by_run = spend.pivot_table(
        index=["point_id", "replication"], columns="year", values="value", aggfunc="sum", fill_value=0.0
    )
    # every run, every whole year (a year without spend is 0), and no partial last year
    by_run = by_run.reindex(index=runs, columns=range(1, whole_years + 1), fill_value=0.0)
    base = by_run.xs(baseline_id, level="point_id")
    tables = []
    for point_id, point in names.items():
        if point_id == baseline_id or point_id not in runs.get_level_values("point_id"):
            continue
        ours = by_run.xs(point_id, level="point_id")
        replications = ours.index.intersection(base.index)
        saving = base.loc[replications] - ours.loc[replications]
        long = saving.rename_axis(columns="year").stack().rename("saving_gbp").reset_index()
        tables.append(long.assign(point=point))
    columns = ["point", "replication", "year", "saving_gbp"]
    if not tables:
        return pd.DataFrame(columns=columns)
    return pd.concat(tables, ignore_index=True)[columns]


def discounted_paths(yearly: pd.DataFrame, rate: float = GREEN_BOOK_DISCOUNT_RATE) -> pd.DataFrame:
    """`yearly` (see `yearly_savings`) with `discount_factor` = 1/(1+rate)^(year−1) (year 1 not
    discounted), `discounted_saving` and, per pair, `cumulative_discounted_saving` by year;
    rows sorted by point (in `yearly`'s order), replication and year."""
    point_order = pd.factorize(yearly["point"])[0]  # points stay in the order `yearly` gives them
    paths = yearly.iloc[np.lexsort((yearly["year"], yearly["replication"], point_order))]
    factor = 1.0 / (1.0 + rate) ** (paths["year"].astype(float) - 1.0)
    paths = paths.assign(discount_factor=factor, discounted_saving=paths["saving_gbp"] * factor)
    paths["cumulative_discounted_saving"] = paths.groupby(PAIR, sort=False)["discounted_saving"].cumsum()
    return paths.reset_index(drop=True)


def payback(yearly: pd.DataFrame, rate: float = GREEN_BOOK_DISCOUNT_RATE) -> pd.DataFrame:
    """`point, npv_gbp, ci_low, ci_high, p_positive, payback_year, paid_back_share, pairs, years`.

    npv_gbp is the mean NPV over pairs with its 95% t interval; p_positive the share of pairs
    whose NPV is above 0; payback_year and paid_back_share as the module docstring says; years
    the horizon Y.
    """
    paths = discounted_paths(yearly, rate)
    per_pair = paths.groupby(PAIR, sort=False).agg(npv=("discounted_saving", "sum"), years=("year", "max"))
    per_pair["payback"] = payback_years(paths)
    rows = []
    for point, pairs in per_pair.groupby(level="point", sort=False):
        npv = describe(pairs["npv"].to_numpy())
        never = pairs["payback"].isna()
        median = float(np.median(pairs["payback"].fillna(np.inf)))
        rows.append({
            "point": point,
            "npv_gbp": npv["mean_difference"],
            "ci_low": npv["ci_low"],
            "ci_high": npv["ci_high"],
            "p_positive": float((pairs["npv"] > 0).mean()),
            "payback_year": median if np.isfinite(median) else np.nan,
            "paid_back_share": float((~never).mean()),
            "pairs": npv["pairs"],
            "years": int(pairs["years"].max()),
        })  # fmt: skip
    return pd.DataFrame(rows, columns=PAYBACK_COLUMNS)


def payback_years(paths: pd.DataFrame) -> pd.Series:
    """Per pair of `discounted_paths`, the first year from which the cumulative discounted saving
    stays >= 0 to the horizon: one year after the last year it is below 0 (year 1 if it never
    is); NaN if it is below 0 at the horizon."""
    years_below = paths["year"].where(paths["cumulative_discounted_saving"] < 0, 0)
    grouped = paths.assign(years_below=years_below).groupby(PAIR, sort=False)
    last_below, horizon = grouped["years_below"].max(), grouped["year"].max()
    return (last_below + 1).astype(float).where(last_below < horizon)


def cumulative_band(yearly: pd.DataFrame, rate: float = GREEN_BOOK_DISCOUNT_RATE) -> pd.DataFrame:
    """`point, year, cumulative_discounted_saving, ci_low, ci_high, pairs`: per point and year the
    mean over pairs of C_r(year) with its 95% t interval (NaN with one pair), for a payback figure."""
    paths = discounted_paths(yearly, rate)
    table = (
        paths.groupby(["point", "year"], sort=False)["cumulative_discounted_saving"]
        .agg(cumulative_discounted_saving="mean", sd="std", pairs="count")
        .reset_index()
    )
    table["ci_low"], table["ci_high"] = t_band(table["cumulative_discounted_saving"], table["sd"], table["pairs"])
    return table[["point", "year", "cumulative_discounted_saving", "ci_low", "ci_high", "pairs"]]
