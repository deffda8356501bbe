"""The headline table and the plain-language summary at the top of a report.

The summary is written for someone who did not build the model, to be read in a minute: first a
ranked one-line answer (which reform saves most, with its interval and what it does to crises),
then, when the replications are too few for any difference to reach significance after Holm's
adjustment, a warning that says so and how many are needed (sim/analysis/significance.py), then
what was compared and how many times, then one line per point. Every number carries its unit
(£m a year, per 1,000 residents a year, percentage points). A difference is beyond noise when
its Holm-adjusted p < 0.05 and its interval excludes zero. Where the headline holds the savings
of `sim.analysis.paired` it says once what each means. An experiment that drew its parameters
from a calibration says so. The summary of an unfinished sweep opens by saying it is partial.

The headline table is kept long (one row per point and measure) in tables/headline.csv, and
shown wide: points as rows, measures as columns, each cell the paired difference with its
interval and a mark for what the test could say.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from sim.analysis.numbers import number, pounds_m, signed
from sim.analysis.paired import CRISES_AVERTED_PER_MILLION, DERIVED, SAVINGS, paired_differences
from sim.analysis.significance import (
    SIGNIFICANCE,
    beyond_noise,
    can_reach_significance,
    excludes_zero,
    pairs_needed,
    smallest_holm_p,
    smallest_wilcoxon_p,
)
from sim.experiment.store import ExperimentResults

BEYOND_NOISE = "beyond noise"
WITHIN_NOISE = "within noise"
TOO_FEW_PAIRS = "too few pairs to test"
VERDICT_MARK = {BEYOND_NOISE: " *", WITHIN_NOISE: "", TOO_FEW_PAIRS: " †"}
VERDICT_KEY = (f"* beyond noise (Holm-adjusted Wilcoxon p < {SIGNIFICANCE} and the 95% interval excludes 0); "
               "† the interval excludes 0 but with so few pairs the test cannot reach significance; "
               "unmarked: within noise.")  # fmt: skip
# The columns of the wide headline table, in order, each headed by the measure and its unit. The
# cashable saving is money used's difference with the sign turned, so it is not shown twice; it and
# the other savings are in the report's paired comparisons and in tables/headline.csv.
SHORT_LABELS = {
    "money_used_gbp": "money used (£m a year)",
    "crises_per_1000_per_year": "crises (per 1,000 residents a year)",
    "acute_share": "acute share (percentage points)",
    "mean_wellbeing": "wellbeing (0-1 scale)",
    "waste_gbp": "waste (£m a year)",
    "claimed_saving_gbp": "claimed saving (£m a year)",
}


def headline_table(runs: pd.DataFrame, baseline: str | None, measures: dict[str, str]) -> pd.DataFrame:
    """Per point and headline measure: baseline mean, point mean, paired difference, interval, p,
    and the verdict (beyond noise, within noise, or too few pairs to test).

    Both means are over the replications the point and the baseline share (all of them, once a
    sweep is finished), so their difference is the mean paired difference. Without a baseline:
    the mean of each measure per point (no comparison).
    """
    if baseline is None:
        means = runs.groupby("point", sort=False)[list(measures)].mean()
        table = means.reset_index().melt(id_vars="point", var_name="measure", value_name="mean")
        table["label"] = table["measure"].map(measures)
        return table
    paired = paired_differences(runs, baseline, list(measures))
    by_replication = {point: rows.set_index("replication") for point, rows in runs.groupby("point", sort=False)}
    base = by_replication[baseline]
    shared = {p: rows.index.intersection(base.index) for p, rows in by_replication.items()}
    paired["baseline_mean"] = [base.loc[shared[p], m].mean() for p, m in zip(paired["point"], paired["measure"], strict=True)]
    paired["point_mean"] = [by_replication[p].loc[shared[p], m].mean()
                            for p, m in zip(paired["point"], paired["measure"], strict=True)]  # fmt: skip
    paired["label"] = paired["measure"].map(measures)
    paired["distinguishable"] = beyond_noise(paired)
    comparisons = paired["point"].nunique()
    testable = paired["pairs"].map(lambda n: can_reach_significance(int(n), comparisons))
    paired["verdict"] = np.select([paired["distinguishable"], excludes_zero(paired) & ~testable], [BEYOND_NOISE, TOO_FEW_PAIRS],
                                  WITHIN_NOISE)  # fmt: skip
    columns = ["point", "measure", "label", "baseline_mean", "point_mean", "mean_difference", "ci_low", "ci_high",
               "p_holm", "effect_size_dz", "pairs", "distinguishable", "verdict"]  # fmt: skip
    return paired[columns]


def ranked_points(headline: pd.DataFrame) -> list[str]:
    """The points compared, the largest cashable saving (least money used) first."""
    if "cashable_saving_gbp" in set(headline["measure"]):
        key, descending = "cashable_saving_gbp", True
    else:
        key, descending = "money_used_gbp", False
    rows = headline[headline["measure"] == key].sort_values("mean_difference", ascending=not descending, kind="stable")
    ranked = list(rows["point"])
    return ranked + [p for p in dict.fromkeys(headline["point"]) if p not in ranked]


def cell(row: pd.Series) -> str:
    """'-25 (-37.8 to -12.3) *': a paired difference, its interval and the test's mark."""
    return (f"{signed(row['mean_difference'])} ({signed(row['ci_low'])} to {signed(row['ci_high'])})"
            + VERDICT_MARK.get(row.get("verdict", WITHIN_NOISE), ""))  # fmt: skip


def headline_for_reading(headline: pd.DataFrame) -> pd.DataFrame:
    """The headline table for reading: with a baseline, points as rows (the biggest saver first,
    the baseline's own levels on top) and measures as columns; sensitivity and no-baseline
    designs keep their own shapes."""
    if "index" in headline.columns:
        return pd.DataFrame({
            "output": headline["label"],
            "most influential": headline["parameter"],
            "index": headline["index"],
            "value (95% CI)": [f"{number(v)} ({number(lo)} to {number(hi)})"
                               for v, lo, hi in zip(headline["value"], headline["ci_low"], headline["ci_high"], strict=True)],
            "next": headline["runner_up"],
        })  # fmt: skip
    present = list(dict.fromkeys(headline["measure"]))
    measures = [m for m in SHORT_LABELS if m in present] or present
    columns = {m: SHORT_LABELS.get(m, headline.loc[headline["measure"] == m, "label"].iloc[0]) for m in measures}
    if "mean_difference" not in headline.columns:
        wide = headline.pivot_table(index="point", columns="measure", values="mean", aggfunc="first", sort=False)
        shown = wide[measures].map(number).rename(columns=columns)
        return shown.reset_index()
    baseline_levels = headline.drop_duplicates("measure").set_index("measure")["baseline_mean"]
    rows = [{"point": "baseline (its own levels)",
             **{columns[m]: "" if m in DERIVED else number(baseline_levels[m]) for m in measures}, "pairs": ""}]  # fmt: skip
    by_point = {p: group.set_index("measure") for p, group in headline.groupby("point", sort=False)}
    for point in ranked_points(headline):
        group = by_point[point]
        rows.append({"point": f"{point} minus baseline", **{columns[m]: cell(group.loc[m]) for m in measures},
                     "pairs": str(int(group["pairs"].min()))})  # fmt: skip
    return pd.DataFrame(rows)


def ranked_answer(headline: pd.DataFrame, baseline: str) -> str:
    """The one-line answer: every point's saving against the baseline, the biggest first, in £m a
    year with its interval, which of them are beyond noise, and crises in the same order."""
    ranked = ranked_points(headline)
    by_point = {p: rows.set_index("measure") for p, rows in headline.groupby("point", sort=False)}
    savings = [saving_of(by_point[p]) for p in ranked]
    listed = ", ".join(f"{p} {pounds_m(v)} ({pounds_m(lo)} to {pounds_m(hi)}{MARK_IN_WORDS[verdict]})"
                       for p, (v, lo, hi, verdict) in zip(ranked, savings, strict=True))  # fmt: skip
    text = f"Saving against {baseline}, £m a year (95% CI), biggest first: {listed}."
    if all("crises_per_1000_per_year" in by_point[p].index for p in ranked):
        crises = by_point[ranked[0]].loc["crises_per_1000_per_year"]
        changes = ", ".join(signed(by_point[p].loc["crises_per_1000_per_year", "mean_difference"]) for p in ranked)
        text += (f" Crisis events per 1,000 residents a year, in the same order: {changes} "
                 f"(the baseline has {number(crises['baseline_mean'])}).")  # fmt: skip
    return text


MARK_IN_WORDS = {BEYOND_NOISE: ", beyond noise", WITHIN_NOISE: ", within noise", TOO_FEW_PAIRS: ", untested: too few pairs"}


def saving_of(rows: pd.DataFrame) -> tuple[float, float, float, str]:
    """A point's cashable saving (or, without it, the fall in money used) with its interval and verdict."""
    if "cashable_saving_gbp" in rows.index:
        saving = rows.loc["cashable_saving_gbp"]
        return saving["mean_difference"], saving["ci_low"], saving["ci_high"], saving.get("verdict", WITHIN_NOISE)
    used = rows.loc["money_used_gbp"]
    return -used["mean_difference"], -used["ci_high"], -used["ci_low"], used.get("verdict", WITHIN_NOISE)


def power_warning(headline: pd.DataFrame) -> str | None:
    """When no difference can reach significance with the pairs run: say why and how many are needed."""
    if "pairs" not in headline.columns or headline.empty:
        return None
    pairs, comparisons = int(headline["pairs"].min()), headline["point"].nunique()
    if can_reach_significance(pairs, comparisons):
        return None
    needed = pairs_needed(comparisons)
    holm = (f", and Holm's adjustment across the {comparisons} points compared raises it to "
            f"{smallest_holm_p(pairs, comparisons):.2g}" if comparisons > 1 else "")  # fmt: skip
    return (f"Too few replications to test: with {pairs} pairs per point the Wilcoxon signed-rank test can give no "
            f"p-value below {smallest_wilcoxon_p(pairs):.2g}{holm}, so no difference can be called beyond noise "
            f"(p < {SIGNIFICANCE}), however large. Differences whose 95% interval excludes 0 are marked †. "
            f"Run at least {needed} replications (--replications {needed}) for the largest difference to be "
            "testable, and more for the smaller ones.")  # fmt: skip


def replications_run(runs: pd.DataFrame) -> str:
    """'5', or '3 to 5' while a sweep is unfinished: the replications each point has run."""
    counts = runs.groupby("point")["replication"].nunique()
    return f"{counts.min()}" if counts.min() == counts.max() else f"{counts.min()} to {counts.max()}"


def plain_summary(
    manifest: dict[str, Any], runs: pd.DataFrame, baseline: str | None, headline: pd.DataFrame, years: float
) -> list[str]:
    """Paragraphs of plain language: the one-line answer, the comparison made, then one line per
    point compared (the warning of `power_warning` is shown apart, above them)."""
    experiment = manifest["experiment"]
    points = runs["point"].nunique()
    if points < len(manifest.get("scenarios", {})):
        points = f"{points} of {len(manifest['scenarios'])}"
    replications = replications_run(runs)
    first = manifest["scenarios"][str(min(int(k) for k in manifest["scenarios"]))]
    sample = experiment.get("population_sample") or first["run"]["population_sample"]
    population = first["place"]["population"]
    opening = (
        f"This report is the experiment '{experiment['name']}': {points} design points, each run {replications} "
        f"times over {years:g} years, with {sample:,} simulated citizens standing for the {population:,} residents "
        f"of {first['place']['name']}."
    )
    if baseline is None and manifest.get("baseline") is not None:
        return [opening, f"No point has a run paired with one of the baseline '{manifest['baseline']}' yet, so "
                "points are described, not compared."]  # fmt: skip
    if baseline is None:
        return [opening, "No baseline was named, so points are described, not compared."]
    paragraphs = [ranked_answer(headline, baseline)]
    paragraphs.append(
        opening + f" Each point is compared with the baseline '{baseline}' on the same seeds, so the differences "
        "below are net of chance events common to both (paired comparisons)."
    )
    drawn = manifest.get("parameters_from")
    if isinstance(drawn, dict):
        paragraphs.append(f"Replication r of every point also ran posterior draw r of the calibration in "
                          f"{drawn['folder']} ({', '.join(drawn['parameters'])}), so the intervals below include "
                          "parameter uncertainty from that calibration as well as chance; the section 'Parameter "
                          "uncertainty' gives each point's probability of saving money and cutting crises, and the "
                          "parameters that decide it.")  # fmt: skip
    compared = [m for m in DERIVED if m in set(headline["measure"])]
    if compared:
        paragraphs.append(savings_paragraph(compared))
    for point, rows in headline.groupby("point", sort=False):
        derived = rows["measure"].isin(DERIVED)
        phrases = [phrase(row) for _, row in rows[~derived].iterrows()]
        money = rows.loc[rows["measure"] == "money_used_gbp", "baseline_mean"]
        savings = [saving_phrase(row, money.iloc[0] if len(money) else None) for _, row in rows[derived].iterrows()]
        beyond = int(rows["distinguishable"].sum())
        text = f"Against {baseline}, under {point}, " + "; ".join(phrases) + "."
        if savings:
            text += f" Against {baseline} it has " + "; ".join(savings) + "."
        paragraphs.append(text + f" {beyond} of {len(rows)} headline differences are beyond noise (Holm-adjusted "
                          "p < 0.05, interval excluding 0).")  # fmt: skip
    paragraphs.append("All of this is conditional on the model's assumptions, above all the assumed effect sizes of "
                      "prevention (docs/calibration.md); read differences as what the mechanism implies, not as a "
                      "forecast.")  # fmt: skip
    return paragraphs


def partial_paragraph(results: ExperimentResults) -> str:
    """The first paragraph of an unfinished sweep's report: how much of it there is, and what is missing."""
    wanted = results.manifest["experiment"]["replications"]
    counts = results.runs.groupby("point")["replication"].nunique()
    points = results.design.sort_values("point_id")["point"]
    short = [f"{p} ({counts.get(p, 0)} of {wanted})" for p in points if counts.get(p, 0) < wanted]
    experiment = results.manifest.get("experiment_file", "EXPERIMENT")
    return (
        f"These results are {results.partial_label}. The sweep has not finished, so everything below is built from "
        "the runs done so far and will change when the rest are run"
        + (f"; runs are missing at {', '.join(short)}" if short else "")
        + f". Finish it with `placesim sweep {experiment} --out {results.folder} --resume`, then report again."
    )


def sensitivity_headline(indices: pd.DataFrame, outputs: dict[str, str]) -> pd.DataFrame:
    """Per output (and lever combination): the parameter with the largest total index (ST or mu*)
    or, for a space-filling sample, the strongest rank correlation (|rho|)."""
    ranking = indices[indices["index"].isin(["ST", "mu_star", "rho"])]
    rows = []
    for (levers, output), group in ranking.groupby(["levers", "output"], sort=False):
        ordered = group.sort_values("value", ascending=False, key=np.abs)
        top = ordered.iloc[0]
        label = outputs.get(output, output) + (f" [{levers}]" if levers else "")
        runner_up = ordered["parameter"].iloc[1] if len(ordered) > 1 else ""
        rows.append({"output": output, "levers": levers, "label": label, "parameter": top["parameter"],
                     "index": top["index"], "value": top["value"], "ci_low": top["ci_low"], "ci_high": top["ci_high"],
                     "runner_up": runner_up})  # fmt: skip
    return pd.DataFrame(rows)


def sensitivity_summary(manifest: dict[str, Any], runs: pd.DataFrame, headline: pd.DataFrame, years: float) -> list[str]:
    """What was varied, and which uncertainty drives each output."""
    experiment = manifest["experiment"]
    kind = experiment["design"]["kind"]
    names = manifest["sampled_parameters"]
    method = {
        "saltelli": "Sobol variance decomposition (Saltelli sample)",
        "morris": "Morris screening",
        "lhs": "Latin hypercube exploration",
        "sobol": "Sobol-sequence exploration",
    }[kind]
    paragraphs = [
        f"This report is the experiment '{experiment['name']}': a {method} of {len(names)} uncertainties "
        f"({', '.join(names)}), {runs['point'].nunique():,} sampled points run {len(runs):,} times over {years:g} years."
    ]
    for _, row in headline.iterrows():
        paragraphs.append(f"{row['label']}: most sensitive to {row['parameter']} ({row['index']} = {number(row['value'])}, "
                          f"95% CI {number(row['ci_low'])} to {number(row['ci_high'])}), then {row['runner_up'] or 'nothing else'}.")  # fmt: skip
    paragraphs.append("Indices describe the model's response over the ranges in the experiment file; a parameter "
                      "that barely matters here may matter outside them.")  # fmt: skip
    return paragraphs


# How each headline measure reads in a sentence: (what changes, unit after the number, rises, falls).
WORDING = {
    "crises_per_1000_per_year": ("crises", " per 1,000 people a year", "rise by ", "fall by "),
    "money_used_gbp": ("money used (all spend on services)", "m a year", "rises by £", "falls by £"),
    "waste_gbp": ("waste", "m a year", "rises by £", "falls by £"),
    "acute_share": ("the acute share of spend", " percentage points", "rises by ", "falls by "),
    "mean_wellbeing": ("mean wellbeing", " on its 0-1 scale", "rises by ", "falls by "),
}


def phrase(row: pd.Series) -> str:
    """'crises fall by 33.8 per 1,000 people a year (7%; 95% CI 32.5 to 35.2)', or 'not beyond noise'."""
    noun, unit, rises, falls = WORDING.get(row["measure"], (row["label"], "", "changes by ", "changes by "))
    difference, low, high = row["mean_difference"], row["ci_low"], row["ci_high"]
    verb = rises if difference > 0 else falls
    low, high = (low, high) if difference > 0 else (-high, -low)
    relative = ""
    if row["baseline_mean"] and row["measure"] != "acute_share":
        share = abs(difference) / abs(row["baseline_mean"])
        relative = f"{share:.0%}; " if share >= 0.01 else "<1%; "
    text = f"{noun} {verb}{number(abs(difference))}{unit} ({relative}95% CI {number(low)} to {number(high)})"
    if row.get("verdict") == TOO_FEW_PAIRS:
        return text + ", too few pairs for the test to confirm it"
    return text if row["distinguishable"] else f"{noun}: no difference beyond noise ({number(difference)}, 95% CI {number(row['ci_low'])} to {number(row['ci_high'])})"


# What each saving of sim.analysis.paired means, in a sentence; the plain summary says it once.
MEANING = {
    "cashable_saving_gbp": "the cashable saving is less cash used than the baseline (money used: all spend on "
    "services)",
    "non_cashable_saving_gbp": "the non-cashable saving is capacity freed but still paid for (idle capacity above "
    "the baseline's), which becomes cash only when it is decommissioned",
    "claimed_saving_gbp": "the claimed saving is what the business cases of the point's extra prevention and "
    "packages claimed when the money was spent (every treated citizen on the way to crisis, every avoided crisis "
    "at full unit cost)",
    "savings_gap_gbp": "the savings gap is the claimed saving less the cashable saving: how far the claim "
    "overstates the cash the paired comparison finds",
    "saving_to_centre_gbp": "the saving to the centre is the fall in its net cost (budgets, benefits and deficit "
    "support it pays out, less what is returned or repaid to it)",
    CRISES_AVERTED_PER_MILLION: "outcomes per pound are the crises averted against the baseline per £1m of the "
    "point's money used",
}
SAVING_NOUNS = {
    "cashable_saving_gbp": "a cashable saving",
    "non_cashable_saving_gbp": "a non-cashable saving",
    "claimed_saving_gbp": "a claimed saving",
    "savings_gap_gbp": "a savings gap",
    "saving_to_centre_gbp": "a saving to the centre",
}


def savings_paragraph(measures: list[str]) -> str:
    """What each saving compared means, once, before the points."""
    meanings = [MEANING[m] for m in measures]
    return ("Money is compared with the baseline on the same seeds too, per year and positive when the point "
            "saves: " + "; ".join(meanings) + ".")  # fmt: skip



def saving_phrase(row: pd.Series, baseline_money_used: float | None = None) -> str:
    """'a cashable saving of £3.2m a year (2% of the baseline's money used; 95% CI £2.9m to £3.5m)', or
    '... not beyond noise'; for outcomes per pound, '12.3 crises averted per £1m of money used (...)'."""
    value, low, high = row["mean_difference"], row["ci_low"], row["ci_high"]
    if row["measure"] == CRISES_AVERTED_PER_MILLION:
        text = f"{number(value)} crises averted per £1m of money used (95% CI {number(low)} to {number(high)})"
        return text if row["distinguishable"] else f"crises averted per £1m of money used: none beyond noise ({number(value)}, 95% CI {number(low)} to {number(high)})"  # fmt: skip
    share = ""
    if row["measure"] in SAVINGS and baseline_money_used:
        share = f"{value / abs(baseline_money_used):.1%} of the baseline's money used; "
    interval = f"95% CI {pounds_m(low)} to {pounds_m(high)}"
    text = f"{SAVING_NOUNS[row['measure']]} of {pounds_m(value)} a year ({share}{interval})"
    if row.get("verdict") == TOO_FEW_PAIRS:
        return text + ", too few pairs for the test to confirm it"
    return text if row["distinguishable"] else f"{SAVING_NOUNS[row['measure']]} not beyond noise ({pounds_m(value)} a year, {interval})"  # fmt: skip
