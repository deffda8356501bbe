"""`placesim report`: what an experiment found, with its uncertainty, as figures, tables and text.

    from sim.analysis.report import write_report
    write_report("results/total_place")   # -> results/total_place/report.html

Reads only the results folder (runs, steps, design, manifest), so a report can be redone after
reload or on another machine. Writes `report.html` and `summary.md` beside `figures/*.png` (and
`*.svg` for the interactive figures of sim/analysis/charts.py, with the script that draws them)
and `tables/*.csv` (the numbers behind every figure). Each file is written to a temporary name
and renamed into place, and `report.html` goes last: if it exists, the report is complete.

The page opens with the answer (sim/analysis/summary.py): a warning when the pairs are too few
for any test to reach significance, a ranked line of savings, and the wide headline table. Then
the sections: the count, outcomes over time, paired comparisons (with the spread of single runs
and the cost-effectiveness plane), paired differences over time, who saves, reform against
reform, payback at the Green Book rate, parameter uncertainty, culture, and what the design adds
(grid, sample, sensitivity, wrong pocket). docs/report.md lists them and their statistics.

The report of an unfinished sweep is built from the runs done so far and says so: "partial: N
of M runs" in its header and its first paragraph, which also names the points short of runs.
Only points with runs are drawn, and only points with a replication paired with the baseline's
are compared with it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from sim.analysis import charts, figures
from sim.analysis.exploration import is_exploration_design, plot_sample, rank_correlations, sample_table
from sim.analysis.grids import grid_means, is_grid, varied_parameters
from sim.analysis.html import design_line, render_html, render_markdown
from sim.analysis.paired import icer, pair_differences, paired_differences, point_id_of, with_savings
from sim.analysis.parameter_uncertainty import (
    drawn_parameters,
    parameter_uncertainty,
    parameter_uncertainty_for_reading,
)
from sim.analysis.sensitivity import is_sensitivity_design, plot_sensitivity, sensitivity_indices
from sim.analysis.sections import FigureItem, Section, TableItem, write_figure, write_table, write_text, write_vega_bundle
from sim.analysis.style import scenario_colours
from sim.analysis.between_reforms import between_reforms
from sim.analysis.count import experiment_count, service_spend
from sim.analysis.differences_over_time import paired_over_time
from sim.analysis.numbers import D3_FORMAT, pounds_m
from sim.analysis.payback import GREEN_BOOK_DISCOUNT_RATE, cumulative_band, payback, yearly_savings
from sim.analysis.significance import beyond_noise, can_reach_significance, pairs_needed, smallest_holm_p
from sim.analysis.who_saves import who_saves
from sim.analysis.summary import (
    headline_table,
    partial_paragraph,
    plain_summary,
    power_warning,
    sensitivity_headline,
    sensitivity_summary,
)
from sim.analysis.timeseries import mean_with_band
from sim.analysis.wrong_pocket import wrong_pocket_section
from sim.experiment.store import ExperimentResults, load_results
from sim.model.agencies import STEPS_PER_YEAR

Progress = Callable[[int, int], None]

# Per-point figures (one panel or line per point) stay readable up to this many points.
MAX_POINTS_PLOTTED = 8
HEADLINE = {
    "money_used_gbp": "Money used: all spend on services (£m per year)",
    "waste_gbp": "Waste (£m per year)",
    "acute_share": "Acute share of spend (percentage points)",
    "mean_wellbeing": "Mean wellbeing (0-1)",
    "crises_per_1000_per_year": "Crisis events per 1,000 people per year",
}
# Efficiency per comparison, against the baseline of the same seed (sim/analysis/paired.py): shown
# beside HEADLINE wherever points are compared with a baseline. Positive = the point saves.
SAVINGS_HEADLINE = {
    "cashable_saving_gbp": "Cashable saving: less money used than the baseline (£m per year)",
    "non_cashable_saving_gbp": "Non-cashable saving: capacity freed but still paid for (£m per year)",
    "claimed_saving_gbp": "Claimed saving: the business cases' claim when the money was spent (£m per year)",
    "savings_gap_gbp": "Savings gap: claimed less cashable saving (£m per year)",
    "saving_to_centre_gbp": "Saving to the centre: fall in its net cost (£m per year)",
    "crises_averted_per_million_gbp": "Crises averted per £1m of money used",
}
# The spread of single runs: the two measures a reader asks of one place, money and crises.
SPREAD_MEASURES = {
    "money_used_gbp": "Money used (£m a year), point minus baseline",
    "crises_per_1000_per_year": "Crisis events per 1,000 people a year, point minus baseline",
}
# What a band is, said in every caption that draws one (docs/report.md).
BAND = ("Band: the 95% interval of the mean over replications (expanded percentile bootstrap, which keeps a "
        "measure's bounds); it says how well the mean is known, not how far one run varies.")  # fmt: skip
SENSITIVITY_OUTPUTS = {**HEADLINE, "final_mean_collaboration": "Mean collaboration at the end (0-1)"}
MONEY_SCALE = 1e6  # GBP -> £m in shown tables and paired figures
PERCENT_MEASURES = ("acute_share", "need_related_acute_share", "prevention_share")
SPLIT_SHARES = ("acute_share", "prevention_share")  # the acute / prevention split figure


@dataclass(frozen=True)
class Context:
    """Facts about the experiment every section needs."""

    results: ExperimentResults
    runs: pd.DataFrame  # money per year in £m, shares in percentage points, `point` names, savings vs the baseline
    points: list[str]  # the design points that have runs, in design order
    baseline: str | None  # None when none is named, or when it has no runs yet
    colours: dict[str, str]
    population: int
    years: float

    @property
    def steps(self) -> pd.DataFrame:
        return self.results.steps

    @property
    def paired_points(self) -> list[str]:
        """Points with at least one replication that the baseline also has: those that can be compared."""
        if self.baseline is None:
            return []
        replications = self.runs.groupby("point")["replication"].agg(set)
        base = replications[self.baseline]
        return [p for p in self.points if p != self.baseline and base & replications[p]]

    def compared(self, runs: pd.DataFrame) -> pd.DataFrame:
        """The rows of `runs` that paired comparisons use: the baseline's and the paired points'."""
        return runs[runs["point"].isin([self.baseline, *self.paired_points])]

    @property
    def compared_measures(self) -> dict[str, str]:
        """The measures of a paired comparison: the headline outcomes, then the savings the runs have."""
        return {**HEADLINE, **{k: v for k, v in SAVINGS_HEADLINE.items() if k in self.runs.columns}}

    @property
    def names(self) -> dict[int, str]:
        """point_id -> the design point's name."""
        return self.results.design.set_index("point_id")["point"].to_dict()

    def named(self, table: pd.DataFrame) -> pd.DataFrame:
        """Add the point's name to a table keyed by `point_id`."""
        return table.assign(point=table["point_id"].map(self.names))


def in_report_units(runs: pd.DataFrame, years: float) -> pd.DataFrame:
    """Money per run -> £m per year; money held at the end (`final_*_gbp`) -> £m; shares ->
    percentage points; rates per £1m (`*_per_million_gbp`) and the rest as they are."""
    scaled = runs.copy()
    money = [c for c in runs.columns if c.endswith("_gbp") and not c.startswith("param:")]
    for column in [c for c in money if not c.endswith("_per_million_gbp")]:
        if column.startswith("final_"):
            scaled[column] = runs[column] / MONEY_SCALE
        else:
            scaled[column] = runs[column] / years / MONEY_SCALE
    for column in [c for c in PERCENT_MEASURES if c in runs.columns]:
        scaled[column] = runs[column] * 100
    return scaled


def context_of(results: ExperimentResults) -> Context:
    manifest = results.manifest
    present = set(results.runs["point"])
    points = [p for p in results.design.sort_values("point_id")["point"] if p in present]
    baseline = manifest.get("baseline") if manifest.get("baseline") in present else None
    first = manifest["scenarios"][str(results.design["point_id"].min())]
    years = float(results.steps["step"].max()) / STEPS_PER_YEAR if not results.steps.empty else 1.0
    runs = results.runs if baseline is None else with_savings(results.runs, baseline)
    return Context(
        results=results,
        runs=in_report_units(runs, years),
        points=points,
        baseline=baseline,
        colours=scenario_colours(points, baseline),
        population=int(first["place"]["population"]),
        years=years,
    )


def has_measure(context: Context, measure: str) -> bool:
    return bool((context.steps["measure"] == measure).any())


def count_section(context: Context) -> Section:
    section = Section("The count", "Every pound spent in the place, by agency, domain of need and category, "
                      "per year (mean over replications), as the Total Place pilots counted it.")  # fmt: skip
    if not has_measure(context, "spend_gbp"):
        section.notes.append("This experiment did not keep `spend_gbp` in its outputs, so there is no count.")
        return section
    by_domain = context.named(experiment_count(context.steps, by="domain"))
    by_category = context.named(experiment_count(context.steps, by="category"))
    domains = list(context.results.manifest["scenarios"][str(context.results.design["point_id"].min())]["domains"])
    domains.append("whole_person")
    shown = [p for p in context.points if p in set(by_domain["point"])][:MAX_POINTS_PLOTTED]
    section.figures.append(FigureItem("count_by_agency", charts.stacked_spend(by_domain, shown, "domain"),
                                      "Spend per year by agency, stacked by domain of need (£m, mean over replications). "
                                      "`whole_person` is spend not tied to one domain: the fixed base, assessments, pooled "
                                      "packages and governance."))  # fmt: skip
    section.figures.append(FigureItem("count_by_category", charts.stacked_spend(by_category, shown, "category"),
                                      "Spend per year by category (£m, mean over replications). The fixed base and acute "
                                      "capacity are paid whether used or not; waste is duplicated assessment and pool "
                                      "governance."))  # fmt: skip
    split = split_table(context)
    section.figures.append(FigureItem("acute_prevention_split", charts.shares_with_intervals(split, context.colours),
                                      "Share of all money used on crisis response (acute capacity, variable and spot cost, "
                                      f"capacity premium, benefits) and on prevention. {BAND}"))  # fmt: skip
    section.tables.append(TableItem("count_by_agency_domain", "Spend per year by agency and domain (GBP)",
                                    by_domain[["point", "agency", "domain", "gbp_per_year"]]))  # fmt: skip
    wide = by_category.pivot_table(index="point", columns="category", values="gbp_per_year", aggfunc="sum", fill_value=0)
    wide = wide.reindex([p for p in context.points if p in wide.index])
    section.tables.append(TableItem("count_by_category", "Spend per year by category (GBP)", by_category[
        ["point", "agency", "category", "gbp_per_year"]], shown=(wide / MONEY_SCALE).round(1).reset_index()))  # fmt: skip
    return section


def split_table(context: Context) -> pd.DataFrame:
    """Mean acute and prevention shares per point (as fractions) with bootstrap bands over replications."""
    rows = []
    for share in SPLIT_SHARES:
        bands = mean_with_band(
            context.results.runs.assign(step=0, measure=share, value=context.results.runs[share]), share
        )
        rows.append(context.named(bands).assign(measure=share))
    return pd.concat(rows, ignore_index=True)[["point", "measure", "mean", "ci_low", "ci_high", "replications"]]


def outcomes_section(context: Context) -> Section:
    section = Section("Outcomes over time", f"Each line is the mean over replications at each quarter. {BAND}")
    per_thousand = 1000.0 / context.population
    specs: list[tuple[str, str, str, str, tuple[str, ...], Callable[[pd.DataFrame], pd.DataFrame]]] = [
        ("crises_by_domain", "crises", "Crisis events per domain", "Crisis events per 1,000 people per quarter", ("domain",),
         lambda t: scale(t, per_thousand)),
        ("wellbeing", "wellbeing", "Wellbeing", "Mean wellbeing (0-1)", (), lambda t: t),
        ("unmet_statutory_demand", "unmet_statutory_demand_gbp", "Unmet statutory demand",
         "Unmet statutory demand (£m per quarter)", (), lambda t: scale(t, 1 / MONEY_SCALE)),
        ("deficits", "deficit_gbp", "Deficits", "Deficit, all agencies (£m)", (), lambda t: scale(t, 1 / MONEY_SCALE)),
    ]  # fmt: skip
    shown = set(context.points[:MAX_POINTS_PLOTTED])
    colours = {p: c for p, c in context.colours.items() if p in shown}
    for name, measure, title, ylabel, by, convert in specs:
        if not has_measure(context, measure):
            continue
        bands = convert(context.named(mean_with_band(context.steps, measure, by)))
        panel = by[0] if by else None
        section.figures.append(FigureItem(name, charts.over_time(bands, colours, title, ylabel, panel), f"{ylabel}. {BAND}"))
        section.tables.append(TableItem(name, f"{title} over time", bands))
    if len(context.points) > MAX_POINTS_PLOTTED:
        section.notes.append(f"Only the first {MAX_POINTS_PLOTTED} of {len(context.points)} points are drawn; "
                             "the tables hold them all.")  # fmt: skip
    if not section.figures:
        section.notes.append("This experiment kept none of the step measures these figures need.")
    return section


def scale(bands: pd.DataFrame, factor: float) -> pd.DataFrame:
    return bands.assign(**{c: bands[c] * factor for c in ("mean", "ci_low", "ci_high")})


def paired_section(context: Context) -> Section:
    section = Section("Paired comparisons with the baseline",
                      f"Every point ran the same seeds as the baseline ({context.baseline}), so each replication is a "
                      "pair and the difference is taken within the pair. Intervals are 95% t intervals of the mean "
                      "paired difference; p-values are Wilcoxon signed-rank, Holm-adjusted across the points compared "
                      "(one family per measure); d_z is the mean difference over its standard deviation.")  # fmt: skip
    measures = context.compared_measures
    paired = paired_differences(context.compared(context.runs), context.baseline, list(measures))
    paired = paired.assign(beyond_noise=beyond_noise(paired))
    section.figures.append(FigureItem("paired_differences", charts.paired_forest(paired, measures, context.colours),
                                      "Mean paired difference from the baseline with its 95% t interval over pairs, units "
                                      "as in each panel's title; a saving is positive when the point saves. Filled: beyond "
                                      "noise (Holm p < 0.05 and the interval excludes 0)."))  # fmt: skip
    section.tables.append(TableItem("paired_differences", "Paired differences (units as in the figure)", paired))
    spread = pair_differences(context.compared(context.runs), context.baseline, list(SPREAD_MEASURES))
    section.figures.append(FigureItem("spread_of_runs", charts.spread_of_runs(spread, context.colours, SPREAD_MEASURES),
                                      "Each mark is one pair: a replication of the point minus the baseline's with the "
                                      "same seed (and posterior draw, if any). This is the spread of single runs, not a "
                                      "band: it shows how far one run, like one real place, can land from the mean "
                                      "(black diamond)."))  # fmt: skip
    section.tables.append(TableItem("spread_of_runs", "Each pair's difference from the baseline", spread))
    wellbeing_years = context.population * context.years
    ratios = icer(context.compared(context.results.runs), context.baseline, effect_scale=wellbeing_years)
    section.figures.append(FigureItem("cost_effectiveness", charts.cost_effectiveness_plane(
        ratios, context.colours, "Change in wellbeing-years (people x years x wellbeing points)"),
        "Mean change in money used and in wellbeing-years against the baseline, over the whole run; error bars are "
        "95% percentile-bootstrap intervals of each mean over pairs (4,000 resamples)."))  # fmt: skip
    section.tables.append(TableItem("icer", "Incremental cost-effectiveness: GBP per wellbeing-year", ratios,
                                    shown=icer_shown(ratios)))  # fmt: skip
    section.notes.append("ICER = mean change in money used / mean change in wellbeing-years, where a wellbeing-year is one "
                         "person living one year one wellbeing point (0-1 scale) better off; interval by percentile "
                         "bootstrap over pairs (4,000 resamples). A negative ICER in the 'cheaper and better' quadrant "
                         "means the point dominates the baseline: the ratio's size then has no cost-per-gain meaning.")  # fmt: skip
    design_points = context.results.design.sort_values("point_id")["point"]
    unpaired = [p for p in design_points if p != context.baseline and p not in context.paired_points]
    if unpaired:
        section.notes.append(f"Not compared, for want of a replication paired with the baseline's: {', '.join(unpaired)}.")
    return section


def differences_over_time_section(context: Context) -> Section:
    """Point minus baseline in the same replication, quarter by quarter: when a reform's effect
    arrives, and whether it fades (sim/analysis/differences_over_time.py)."""
    section = Section("Paired differences over time", "Each line is the mean over pairs of a point's value minus the "
                      "baseline's in the same replication, per quarter. Band: the 95% t interval of that mean over "
                      "pairs (differences have no bound to keep).")  # fmt: skip
    baseline_id = point_id_of(context.names, context.baseline)
    shown = set(context.paired_points[:MAX_POINTS_PLOTTED])
    colours = {p: c for p, c in context.colours.items() if p in shown}
    specs = [
        ("crises_difference", "crises", context.steps, 1000.0 / context.population,
         "Crisis events, point minus baseline", "per 1,000 people per quarter"),
        ("money_used_difference", "spend_gbp", service_spend(context.steps), 1 / MONEY_SCALE,
         "Money used, point minus baseline", "£m per quarter"),
    ]  # fmt: skip
    for name, measure, steps, factor, title, unit in specs:
        label = f"{title} ({unit})"
        if not has_measure(context, measure):
            continue
        differences = context.named(paired_over_time(steps, measure, baseline_id))
        differences = differences[differences["point"].isin(shown)]
        differences = differences.assign(**{c: differences[c] * factor for c in ("mean_difference", "ci_low", "ci_high")})
        section.figures.append(FigureItem(name, charts.difference_over_time(differences, colours, title, unit),
                                          f"{label}: above 0 the point has more than the baseline. Band: the 95% t interval "
                                          "of the mean over pairs."))  # fmt: skip
        section.tables.append(TableItem(name, f"{label}, per quarter", differences))
    return section


def who_saves_section(context: Context) -> Section:
    """Each agency's fall in spend under each reform: whose budget the saving lands in, and who
    pays for it (the wrong-pocket problem seen from the money; sim/analysis/who_saves.py)."""
    section = Section("Who saves", "Each agency's spend on services under the point minus the baseline's in the same "
                      "replication, with the sign turned so that a saving is positive, in £m a year (mean, 95% t "
                      "interval over pairs). `pool` is what the pool buys with what agencies put in: a reform that "
                      "pools moves spend from agencies to the pool. The agencies' savings add up to the cashable "
                      "saving.")  # fmt: skip
    table = who_saves(context.steps, context.names, context.baseline, context.years)
    points = context.paired_points
    section.figures.append(FigureItem("who_saves", charts.who_saves(table, points),
                                      "Saving per agency (£m a year); bars with whiskers left of 0 spend more than under "
                                      "the baseline. Whiskers: 95% t interval over pairs."))  # fmt: skip
    shown = table.assign(**{c: (table[c] / MONEY_SCALE).round(2) for c in ("saving_gbp_per_year", "ci_low", "ci_high")})
    section.tables.append(TableItem("who_saves", "Saving per agency (GBP a year in the CSV; £m here)", table,
                                    shown=shown.rename(columns={"saving_gbp_per_year": "saving (£m a year)"})))  # fmt: skip
    section.notes.append("share_of_saving is an agency's part of its point's total saving, given only where that total's "
                         "95% interval excludes 0.")  # fmt: skip
    return section


# Reform against reform: the measures compared, with the d3 format of their cells.
BETWEEN_MEASURES = {
    "money_used_gbp": ("money used (£m a year)", D3_FORMAT["signed"]),
    "crises_per_1000_per_year": ("crisis events per 1,000 people a year", D3_FORMAT["signed"]),
}


def between_reforms_section(context: Context) -> Section | None:
    """Every reform against every other on the same seeds: which of two reforms is the better buy."""
    points = context.paired_points
    if len(points) < 2:
        return None
    section = Section("Reform against reform", "Each cell is the row's reform minus the column's, paired by seed "
                      "(mean over pairs; the tooltip gives the 95% t interval and the Holm-adjusted Wilcoxon p across "
                      "all pairs of reforms). *: beyond noise.")  # fmt: skip
    table = between_reforms(context.compared(context.runs), points, list(BETWEEN_MEASURES))
    table = table.assign(beyond_noise=beyond_noise(table))
    for measure, (label, number_format) in BETWEEN_MEASURES.items():
        section.figures.append(FigureItem(f"between_{measure}", charts.between_reforms(
            table, points, measure, label, number_format), f"Row minus column: {label}."))  # fmt: skip
    section.tables.append(TableItem("between_reforms", "Reform against reform (units as in the figures)", table))
    pairs, comparisons = int(table["pairs"].min()), len(points) * (len(points) - 1) // 2
    if not can_reach_significance(pairs, comparisons):
        section.notes.append(f"With {pairs} pairs and {comparisons} comparisons of reforms, Holm's adjustment leaves no "
                             f"p-value below {smallest_holm_p(pairs, comparisons):.2g}: nothing here can be beyond noise. "
                             f"{pairs_needed(comparisons)} replications would let the largest difference be tested.")  # fmt: skip
    return section


def payback_section(context: Context) -> Section | None:
    """Net present value and payback of each reform's cashable saving at the Green Book rate."""
    if not has_measure(context, "spend_gbp"):
        return None
    yearly = yearly_savings(context.steps, context.names, context.baseline)
    if yearly.empty:
        return None
    rate = GREEN_BOOK_DISCOUNT_RATE
    section = Section("Payback and net present value", f"Each year's cashable saving against the baseline (money used "
                      f"less), discounted at the HM Treasury Green Book social time preference rate of {rate:.1%} a year "
                      "(Green Book 2018, Annex 6 A6.7-A6.8; data/published_figures.csv row green_book_discount), the "
                      "first year undiscounted. A pair pays back in the first year from which its cumulative discounted "
                      "saving stays at or above 0.")  # fmt: skip
    band = cumulative_band(yearly, rate).rename(columns={"cumulative_discounted_saving": "mean"})
    band = band[band["point"].isin(context.paired_points[:MAX_POINTS_PLOTTED])]
    colours = {p: c for p, c in context.colours.items() if p in set(band["point"])}
    section.figures.append(FigureItem("payback", charts.payback(band, colours, rate),
                                      "Cumulative discounted saving (£m). Band: the 95% t interval of the mean over pairs."))  # fmt: skip
    table = payback(yearly, rate)
    section.tables.append(TableItem("payback", "Net present value and payback", table, shown=payback_shown(table)))
    section.tables.append(TableItem("payback_over_time", "Cumulative discounted saving by year", band))
    return section


def payback_shown(table: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame({
        "point": table["point"],
        "NPV (£m over the run)": [f"{pounds_m(v)} ({pounds_m(lo)} to {pounds_m(hi)})"
                                  for v, lo, hi in zip(table["npv_gbp"] / MONEY_SCALE, table["ci_low"] / MONEY_SCALE,
                                                       table["ci_high"] / MONEY_SCALE, strict=True)],
        "P(NPV > 0)": table["p_positive"].map(lambda p: f"{p:.0%}"),
        "payback year (median of pairs)": table["payback_year"].map(lambda y: "not within the run" if pd.isna(y) else f"year {y:g}"),
        "pairs paid back": table["paid_back_share"].map(lambda p: f"{p:.0%}"),
        "pairs": table["pairs"],
    })  # fmt: skip


def parameter_uncertainty_section(context: Context) -> Section:
    """With `parameters_from`: how likely each point is to save money and cut crises over the
    calibration's posterior, and which drawn parameters decide it (sim/analysis/parameter_uncertainty.py)."""
    drawn = context.results.manifest["parameters_from"]
    section = Section("Parameter uncertainty",
                      f"Replication r of every point ran posterior draw r of the calibration in {drawn['folder']} "
                      f"(posterior.parquet hash {drawn['posterior_hash'][:12]}), so every interval and p-value above "
                      "includes parameter uncertainty from that calibration as well as chance. P(saves money) is the "
                      "share of pairs in which the point's total spend is below the baseline's, P(cuts crises) the "
                      "share in which its crises are fewer; the parameters listed are those whose drawn value has "
                      "the strongest Spearman rank correlation (rho) with the paired difference: a negative rho "
                      "means the difference falls (the point saves more, or cuts more crises) as the parameter "
                      "rises.")  # fmt: skip
    table = parameter_uncertainty(context.compared(context.results.runs), context.baseline, drawn_parameters(
        context.results.manifest))  # fmt: skip
    section.tables.append(TableItem("parameter_uncertainty", "Probabilities and the parameters behind them", table,
                                    shown=parameter_uncertainty_for_reading(table)))  # fmt: skip
    section.notes.append(f"{len(drawn['draws'])} draws of {', '.join(drawn['parameters'])}. A correlation is n/a "
                         "where the point sets the parameter itself or the draws do not vary it.")  # fmt: skip
    return section


def no_pairs_section(context: Context) -> Section:
    """What stands in for the comparisons when the baseline, or every pair with it, is missing."""
    named = context.results.manifest["baseline"]
    section = Section("Paired comparisons with the baseline")
    why = "it has no runs." if context.baseline is None else "no other point shares a replication with it."
    section.notes.append(f"No point can be compared with the baseline '{named}' yet: {why} Finish the sweep to compare them.")
    return section


def icer_shown(ratios: pd.DataFrame) -> pd.DataFrame:
    def money(value: float) -> str:
        return "not bounded" if pd.isna(value) else f"£{value:,.0f}"

    return pd.DataFrame({
        "point": ratios["point"],
        "change in money used (£m, whole run)": (ratios["delta_cost"] / MONEY_SCALE).round(1),
        "change in wellbeing-years": ratios["delta_effect"].round(0),
        "ICER (£ per wellbeing-year)": ratios["icer"].map(money),
        "95% interval": [f"{money(lo)} to {money(hi)}" if b else "not bounded (effect crosses 0)"
                         for lo, hi, b in zip(ratios["ci_low"], ratios["ci_high"], ratios["bounded"], strict=True)],
        "quadrant": ratios["quadrant"],
    })  # fmt: skip


def culture_section(context: Context) -> Section:
    section = Section("Culture", "How collaboration tendencies and the pool evolve: the conditional-cooperation "
                      "rule of docs/ODD.md section 7.")  # fmt: skip
    shown = context.points[:MAX_POINTS_PLOTTED]
    if has_measure(context, "collaboration"):
        bands = context.named(mean_with_band(context.steps, "collaboration", ("agency",)))
        colours = {p: c for p, c in context.colours.items() if p in set(shown)}
        section.figures.append(FigureItem("collaboration", charts.over_time(
            bands, colours, "Collaboration tendency per agency", "Collaboration (0 = silo, 1 = fully collaborative)",
            "agency"), f"Collaboration tendency (0 = silo, 1 = fully collaborative) per agency. {BAND}"))  # fmt: skip
        section.tables.append(TableItem("collaboration", "Collaboration per agency over time", bands))
    if has_measure(context, "pool_balance_gbp") and has_measure(context, "pool_members"):
        balance = context.named(mean_with_band(context.steps, "pool_balance_gbp"))
        members = context.named(mean_with_band(context.steps, "pool_members"))
        colours = {p: c for p, c in context.colours.items() if p in set(shown)}
        section.figures.append(FigureItem("pool_balance", charts.over_time(
            scale(balance, 1 / MONEY_SCALE), colours, "Money held by the pool", "Pool balance (£m)"),
            f"Money held by the pool at the end of each quarter (£m). {BAND}"))  # fmt: skip
        section.figures.append(FigureItem("pool_members", charts.over_time(
            members, colours, "Agencies contributing to the pool", "Members contributing"),
            f"Agencies contributing to the pool. {BAND}"))  # fmt: skip
        section.tables.append(TableItem("pool", "Pool balance and members over time", pd.concat(
            [balance.assign(measure="pool_balance_gbp"), members.assign(measure="pool_members")])))  # fmt: skip
    return section


def grid_section(context: Context) -> Section | None:
    if not is_grid(context.results.manifest):
        return None
    drawn = drawn_parameters(context.results.manifest)
    parameters = varied_parameters(context.runs, context.baseline, drawn)
    section = Section("The grid", f"Mean over replications at every combination of {', '.join(parameters)}.")
    if len(parameters) < 2:
        section.notes.append("Only one parameter varies, so there is no surface to draw; see the paired comparisons.")
        return section
    means = grid_means(context.runs, context.baseline, list(HEADLINE), drawn)
    for output, label in HEADLINE.items():
        section.figures.append(FigureItem(f"grid_{output}", figures.grid_heatmaps(means, parameters, output, label), label))
    section.tables.append(TableItem("grid_means", "Grid means (units as in the figures)", means))
    return section


def sensitivity_section(context: Context, indices: pd.DataFrame) -> Section:
    method = indices["method"].iloc[0]
    intro = (
        "Sobol indices split each output's variance across the uncertainties: first-order S1 is the share a "
        "parameter explains alone, total ST the share it takes part in, interactions included. "
        if method == "sobol"
        else "Morris screening: mu* is the mean absolute change in the output over a step of one parameter "
        "(per full range of it), sigma the spread of those changes (large = non-linear or interacting). "
    ) + "Intervals are SALib's 95% bootstrap; outputs per sample row are means over replications."
    section = Section("Sensitivity", intro)
    for output, label in SENSITIVITY_OUTPUTS.items():
        section.figures.append(FigureItem(f"sensitivity_{output}", plot_sensitivity(indices, output), label))
    section.tables.append(TableItem("sensitivity_indices", "Sensitivity indices", indices))
    return section


def exploration_section(context: Context) -> Section:
    section = Section("Across the sample", "Each output (mean over replications per sample row) against each "
                      "uncertainty, and Spearman's rank correlation with a 95% interval (Fisher z); p-values "
                      "Holm-adjusted across the uncertainties of each output.")  # fmt: skip
    names = context.results.manifest["sampled_parameters"]
    table = sample_table(context.results, list(SENSITIVITY_OUTPUTS))
    outputs = list(SENSITIVITY_OUTPUTS)
    shown = table.assign(**in_report_units(table[outputs], context.years))  # uncertainties keep their units
    for output, label in SENSITIVITY_OUTPUTS.items():
        section.figures.append(FigureItem(f"sample_{output}", plot_sample(shown, names, output, label), label))
    section.tables.append(TableItem("rank_correlations", "Spearman rank correlations",
                                    rank_correlations(table, names, list(SENSITIVITY_OUTPUTS))))  # fmt: skip
    section.tables.append(TableItem("sample_outputs", "Outputs per sample row (units as in the figures)", shown))
    return section


def build_sections(results: ExperimentResults) -> tuple[Context, list[Section]]:
    """The report's sections for this kind of design.

    Sampled designs (sensitivity and space-filling, often hundreds of points) get their own
    analysis instead of the per-point count, outcome and culture figures, which would show
    arbitrary sample points.
    """
    context = context_of(results)
    sampled = is_sensitivity_design(results.manifest) or is_exploration_design(results.manifest)
    sections = []
    if not sampled:
        sections += [count_section(context), outcomes_section(context)]
    if context.paired_points:
        sections.append(paired_section(context))
        if not sampled:
            sections.append(differences_over_time_section(context))
            sections.append(who_saves_section(context))
            sections.extend(s for s in (between_reforms_section(context), payback_section(context)) if s is not None)
        if drawn_parameters(results.manifest):
            sections.append(parameter_uncertainty_section(context))
    elif results.manifest.get("baseline") is not None:
        sections.append(no_pairs_section(context))
    if is_sensitivity_design(results.manifest):
        sections.append(sensitivity_section(context, sensitivity_indices(results, list(SENSITIVITY_OUTPUTS))))
    elif is_exploration_design(results.manifest):
        sections.append(exploration_section(context))
    else:
        sections.append(culture_section(context))
    wrong_pocket = wrong_pocket_section(results) if context.baseline is not None else None  # it pairs with the baseline
    sections.extend(s for s in (grid_section(context), wrong_pocket) if s is not None)
    return context, sections


def headline_and_summary(context: Context, sections: list[Section]) -> tuple[pd.DataFrame, list[str]]:
    """The headline table and plain-language summary suited to the design."""
    manifest = context.results.manifest
    if is_sensitivity_design(manifest) or is_exploration_design(manifest):
        indices = next(t.table for s in sections for t in s.tables if t.name in ("sensitivity_indices", "rank_correlations"))
        headline = sensitivity_headline(indices, SENSITIVITY_OUTPUTS)
        summary = sensitivity_summary(manifest, context.runs, headline, context.years)
    elif context.paired_points:
        headline = headline_table(context.compared(context.runs), context.baseline, context.compared_measures)
        summary = plain_summary(manifest, context.runs, context.baseline, headline, context.years)
    else:
        headline = headline_table(context.runs, None, HEADLINE)
        summary = plain_summary(manifest, context.runs, None, headline, context.years)
    if not context.results.complete:
        summary = [partial_paragraph(context.results), *summary]
    return headline, summary


def write_report(folder: str | Path, progress: Progress | None = None) -> tuple[Path, pd.DataFrame]:
    """Write the report of the experiment in `folder`; return report.html's path and the headline table.

    `progress(done, total)` is called as figures are drawn and written (the slow part).
    """
    results = load_results(folder)
    context, sections = build_sections(results)
    folder = Path(folder)
    figure_folder, table_folder = folder / "figures", folder / "tables"
    figure_folder.mkdir(exist_ok=True)
    table_folder.mkdir(exist_ok=True)
    items = [(write_figure, item, figure_folder) for s in sections for item in s.figures]
    items += [(write_table, table, table_folder) for s in sections for table in s.tables]
    for done, (write, item, target) in enumerate(items, start=1):
        write(item, target)
        if progress:
            progress(done, len(items))
    if any(item.interactive for s in sections for item in s.figures):
        write_vega_bundle(figure_folder)
    headline, summary = headline_and_summary(context, sections)
    write_table(TableItem("headline", "Headline", headline), table_folder)
    partial = results.partial_label
    warnings = [w for w in [power_warning(headline)] if w]
    write_text(render_markdown(results.manifest, summary, headline, sections, partial, warnings), folder / "summary.md")
    report = folder / "report.html"
    design = design_line(results.manifest, results.runs)
    write_text(render_html(results.manifest, summary, headline, sections, partial, warnings, design), report)
    return report, headline
