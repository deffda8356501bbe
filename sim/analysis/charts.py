"""The report's interactive figures: Vega-Lite specifications built with Altair, one function each.

Each function takes a tidy table (the one written beside it as CSV) and returns an Altair chart.
The report embeds it in report.html, where a reader hovers for values, zooms and pans with the
mouse (double-click resets) and exports PNG or SVG from the chart's menu; the same chart is
rendered to figures/<name>.png and .svg for papers (sim/analysis/sections.py). Colours come
from sim.analysis.style (the same point, agency or category has the same colour everywhere),
numbers use the formats of sim.analysis.numbers, and every caption says what a band means:
"band" is always the 95% interval of a mean over replications, never the spread of runs, which
has its own figure.
"""

from __future__ import annotations

from collections.abc import Mapping

import altair as alt
import pandas as pd

from sim.analysis.numbers import D3_FORMAT
from sim.analysis.style import AGENCY_COLOURS, CATEGORY_COLOURS, CATEGORY_LABELS, agency_colour, colour_for

WIDTH = 620  # one chart across the page (report.html is 1150 px wide)
PANEL_WIDTH = 230
PANEL_HEIGHT = 150
FONT = "system-ui, sans-serif"


def house_config(chart: alt.TopLevelMixin) -> alt.TopLevelMixin:
    """Readable type (labels 12 px, titles 13 px) and no chart border, on every figure."""
    return (
        chart.configure(font=FONT)
        .configure_axis(labelFontSize=12, titleFontSize=13, grid=True, gridOpacity=0.35)
        .configure_legend(labelFontSize=12, titleFontSize=12, labelLimit=320, orient="bottom", columns=3)
        .configure_header(labelFontSize=12, titleFontSize=12)
        .configure_title(fontSize=14, anchor="start")
        .configure_view(stroke=None)
    )


def point_scale(colours: Mapping[str, str]) -> alt.Scale:
    """Each design point in its report colour (the baseline grey), in design order."""
    return alt.Scale(domain=list(colours), range=list(colours.values()))


def year_axis() -> alt.X:
    return alt.X("year:Q", title="Year", axis=alt.Axis(format="d", tickMinStep=1))


def with_years(table: pd.DataFrame) -> pd.DataFrame:
    """Quarterly steps as years (step 4 = end of year 1), for axes a reader counts in years."""
    return table.assign(year=table["step"] / 4)


def lines_with_band(
    table: pd.DataFrame,
    colours: Mapping[str, str],
    value: str,
    low: str,
    high: str,
    title: str,
    ylabel: str,
    number_format: str,
    panel: str | None = None,
    zero_rule: bool = False,
) -> alt.TopLevelMixin:
    """Mean paths per point with their bands over years, hover for the numbers, zoom on both axes;
    one panel per value of `panel`, each with its own y axis."""
    data = with_years(table)[["year", "point", value, low, high, *([panel] if panel else [])]]
    colour = alt.Color("point:N", title="", scale=point_scale(colours), legend=alt.Legend(symbolType="stroke", symbolStrokeWidth=3, symbolOpacity=1))
    y_title = None if panel else ylabel  # panels share the chart's title, which carries the unit
    axis_format = D3_FORMAT["signed_axis"] if number_format.startswith("+") else D3_FORMAT["axis"]
    tooltip = [
        alt.Tooltip("point:N", title="point"),
        alt.Tooltip("year:Q", title="year", format=".2f"),
        alt.Tooltip(f"{value}:Q", title=ylabel, format=number_format),
        alt.Tooltip(f"{low}:Q", title="band from", format=number_format),
        alt.Tooltip(f"{high}:Q", title="band to", format=number_format),
    ]
    base = alt.Chart(data)
    band = base.mark_area(opacity=0.2).encode(year_axis(), alt.Y(f"{low}:Q", title=y_title), alt.Y2(f"{high}:Q"), colour)
    line = base.mark_line(strokeWidth=2).encode(
        year_axis(), alt.Y(f"{value}:Q", title=y_title, axis=alt.Axis(format=axis_format)), colour, tooltip=tooltip
    )
    layers = [band, line, line.mark_point(size=30, opacity=0, filled=True)]  # invisible points make hover easy
    if zero_rule:
        layers.append(base.mark_rule(color="black", strokeWidth=0.8).encode(y=alt.datum(0)))
    layered = alt.layer(*layers).properties(
        width=PANEL_WIDTH if panel else WIDTH, height=PANEL_HEIGHT if panel else 300
    )
    if panel:
        chart = layered.facet(facet=alt.Facet(f"{panel}:N", title=None), columns=3).resolve_scale(y="independent")
        title = f"{title}: {ylabel}"
    else:
        chart = layered.interactive()
    return house_config(chart.properties(title=title))


def over_time(bands: pd.DataFrame, colours: Mapping[str, str], title: str, ylabel: str, panel: str | None = None):
    """Mean over replications per quarter with its 95% band (sim/analysis/timeseries.py)."""
    return lines_with_band(bands, colours, "mean", "ci_low", "ci_high", title, ylabel, D3_FORMAT["number"], panel)


def difference_over_time(
    differences: pd.DataFrame, colours: Mapping[str, str], title: str, ylabel: str, panel: str | None = None
):
    """Point minus baseline in the same replication, per quarter: the mean with its 95% band."""
    return lines_with_band(differences, colours, "mean_difference", "ci_low", "ci_high", title, ylabel,
                           D3_FORMAT["signed"], panel, zero_rule=True)  # fmt: skip


def paired_forest(paired: pd.DataFrame, measures: Mapping[str, str], colours: Mapping[str, str]):
    """One row per measure: each point's mean paired difference and 95% interval, a filled dot when
    the difference is beyond noise (Holm p < 0.05 and the interval excludes 0)."""
    data = paired[paired["measure"].isin(measures)].assign(
        label=lambda t: t["measure"].map(measures),
        verdict=lambda t: t["beyond_noise"].map({True: "beyond noise", False: "not shown beyond noise"}),
    )[["point", "label", "mean_difference", "ci_low", "ci_high", "p_holm", "pairs", "verdict"]]
    colour = alt.Color("point:N", title="", scale=point_scale(colours), legend=None)
    y = alt.Y("point:N", title=None, sort=list(colours), axis=alt.Axis(labelLimit=220))
    x_title = "difference from the baseline"
    tooltip = [
        "point:N",
        alt.Tooltip("mean_difference:Q", title="mean difference", format=D3_FORMAT["signed"]),
        alt.Tooltip("ci_low:Q", title="95% interval from", format=D3_FORMAT["signed"]),
        alt.Tooltip("ci_high:Q", title="to", format=D3_FORMAT["signed"]),
        alt.Tooltip("p_holm:Q", title="Holm p", format=".3f"),
        alt.Tooltip("pairs:Q", title="pairs"),
        alt.Tooltip("verdict:N", title=""),
    ]
    base = alt.Chart(data)
    interval = base.mark_rule(strokeWidth=2.5).encode(alt.X("ci_low:Q", title=x_title), alt.X2("ci_high:Q"), y, colour)
    dot = base.mark_point(size=90, strokeWidth=2).encode(
        alt.X("mean_difference:Q", title=x_title, axis=alt.Axis(format=D3_FORMAT["signed_axis"])),
        y,
        colour,
        fill=alt.condition(alt.datum.verdict == "beyond noise", colour, alt.value("white")),
        tooltip=tooltip,
    )
    zero = base.mark_rule(color="black", strokeWidth=0.8).encode(x=alt.datum(0))
    layered = alt.layer(interval, dot, zero).properties(width=300, height=alt.Step(22))
    chart = layered.facet(facet=alt.Facet("label:N", title=None, sort=list(measures.values()),
                                          header=alt.Header(labelLimit=420, labelAnchor="start")),
                          columns=2, spacing=16).resolve_scale(x="independent")  # fmt: skip
    return house_config(chart.properties(title="Difference from the baseline, paired by seed (mean, 95% t interval)"))


def cost_effectiveness_plane(icer: pd.DataFrame, colours: Mapping[str, str], effect_label: str):
    """Each point's mean change in wellbeing-years (x) and money used (y) against the baseline with
    their 95% bootstrap intervals as error bars; bottom right is cheaper and better."""
    data = icer.assign(
        cost_m=icer["delta_cost"] / 1e6, cost_low_m=icer["cost_ci_low"] / 1e6, cost_high_m=icer["cost_ci_high"] / 1e6
    )[["point", "cost_m", "cost_low_m", "cost_high_m", "delta_effect", "effect_ci_low", "effect_ci_high", "quadrant"]]
    colour = alt.Color("point:N", title="", scale=point_scale(colours))
    x = alt.X("delta_effect:Q", title=effect_label, axis=alt.Axis(format=D3_FORMAT["signed_axis"]))
    cost_title = "Change in money used over the run (£m)"
    y = alt.Y("cost_m:Q", title=cost_title, axis=alt.Axis(format=D3_FORMAT["signed_axis"]))
    tooltip = [
        "point:N",
        alt.Tooltip("cost_m:Q", title="money used (£m)", format=D3_FORMAT["signed"]),
        alt.Tooltip("cost_low_m:Q", title="95% from", format=D3_FORMAT["signed"]),
        alt.Tooltip("cost_high_m:Q", title="to", format=D3_FORMAT["signed"]),
        alt.Tooltip("delta_effect:Q", title="wellbeing-years", format=D3_FORMAT["signed"]),
        alt.Tooltip("effect_ci_low:Q", title="95% from", format=D3_FORMAT["signed"]),
        alt.Tooltip("effect_ci_high:Q", title="to", format=D3_FORMAT["signed"]),
        "quadrant:N",
    ]
    base = alt.Chart(data)
    layers = [
        base.mark_rule(strokeWidth=1.5).encode(alt.X("effect_ci_low:Q", title=effect_label), alt.X2("effect_ci_high:Q"), y, colour),
        base.mark_rule(strokeWidth=1.5).encode(x, alt.Y("cost_low_m:Q", title=cost_title), alt.Y2("cost_high_m:Q"), colour),
        base.mark_point(size=110, filled=True).encode(x, y, colour, tooltip=tooltip),
        base.mark_rule(color="black", strokeWidth=0.8).encode(y=alt.datum(0)),
        base.mark_rule(color="black", strokeWidth=0.8).encode(x=alt.datum(0)),
    ]  # fmt: skip
    chart = alt.layer(*layers).properties(width=WIDTH, height=360).interactive()
    return house_config(chart.properties(title="Cost-effectiveness plane (bottom right: cheaper and better)"))


def shares_with_intervals(split: pd.DataFrame, colours: Mapping[str, str]):
    """Acute and prevention shares of money used per point (mean, 95% band), side by side."""
    names = {"acute_share": "Acute (crisis) share", "prevention_share": "Prevention share"}
    data = split.assign(
        share=split["measure"].map(names), mean_pct=split["mean"] * 100,
        low_pct=split["ci_low"] * 100, high_pct=split["ci_high"] * 100,
    )[["point", "share", "mean_pct", "low_pct", "high_pct", "replications"]]  # fmt: skip
    colour = alt.Color("point:N", title="", scale=point_scale(colours), legend=None)
    y = alt.Y("point:N", title=None, sort=list(colours), axis=alt.Axis(labelLimit=220))
    share_title = "% of all money used"
    x = alt.X("mean_pct:Q", title=share_title, axis=alt.Axis(format=D3_FORMAT["axis"]))
    tooltip = ["point:N", alt.Tooltip("mean_pct:Q", title="% of money used", format=".2f"),
               alt.Tooltip("low_pct:Q", title="95% from", format=".2f"),
               alt.Tooltip("high_pct:Q", title="to", format=".2f"), "replications:Q"]  # fmt: skip
    base = alt.Chart(data)
    bars = base.mark_bar().encode(x, y, colour, tooltip=tooltip)
    whiskers = base.mark_rule(color="black").encode(alt.X("low_pct:Q", title=share_title), alt.X2("high_pct:Q"), y)
    chart = alt.layer(bars, whiskers).properties(width=280, height=alt.Step(22)).facet(
        column=alt.Column("share:N", title=None)).resolve_scale(x="independent")  # fmt: skip
    return house_config(chart.properties(title="The acute / prevention split (mean, 95% band)"))


def stacked_spend(count: pd.DataFrame, points: list[str], by: str) -> alt.TopLevelMixin:
    """The count: spend per year (£m) per point, stacked by category (`by` = "category") or, with
    one panel per point, per agency stacked by domain (`by` = "domain")."""
    data = count[count["point"].isin(points)].assign(gbp_m=lambda t: t["gbp_per_year"] / 1e6)
    if by == "category":  # one bar segment per category, not one per agency and category
        data = data.groupby(["point", "category"], as_index=False)["gbp_m"].sum()
    tooltip = [alt.Tooltip("point:N"), alt.Tooltip("agency:N"), alt.Tooltip(f"{by}:N"),
               alt.Tooltip("gbp_m:Q", title="£m a year", format=D3_FORMAT["money"])]  # fmt: skip
    y_title = "Spend per year (£m)"
    if by == "category":
        data = data.assign(label=data["category"].map(lambda c: CATEGORY_LABELS.get(c, c)))
        categories = [c for c in CATEGORY_COLOURS if c in set(data["category"])]
        categories += sorted(set(data["category"]) - set(categories))
        labels = [CATEGORY_LABELS.get(c, c) for c in categories]
        colour = alt.Color("label:N", title="", sort=labels,
                           scale=alt.Scale(domain=labels, range=[colour_for(c, CATEGORY_COLOURS, categories) for c in categories]),
                           legend=alt.Legend(orient="right", columns=1))  # fmt: skip
        chart = alt.Chart(data).mark_bar().encode(
            alt.X("point:N", title=None, sort=points, axis=alt.Axis(labelAngle=-20, labelLimit=200)),
            alt.Y("sum(gbp_m):Q", title=y_title, axis=alt.Axis(format=",.0f")),
            colour, alt.Order("category_order:Q"), tooltip=[tooltip[0], alt.Tooltip("label:N", title="category"), tooltip[3]],
        ).transform_calculate(category_order=f"indexof({categories!r}, datum.category)").properties(width=WIDTH, height=320)
        title = "Where the money goes: fixed base, crisis, benefits, prevention, assessment and waste"
    else:
        domains = list(dict.fromkeys(data["domain"]))
        colour = alt.Color("domain:N", title="", scale=alt.Scale(domain=domains, range=[colour_for(d, {}, domains) for d in domains]))
        agencies = [a for a in AGENCY_COLOURS if a in set(data["agency"])]
        chart = alt.Chart(data).mark_bar().encode(
            alt.X("agency:N", title=None, sort=agencies), alt.Y("sum(gbp_m):Q", title=y_title, axis=alt.Axis(format=",.0f")),
            colour, tooltip=tooltip,
        ).properties(width=PANEL_WIDTH, height=PANEL_HEIGHT + 30).facet(
            facet=alt.Facet("point:N", title=None, sort=points), columns=3)  # fmt: skip
        title = "Spend per year by agency, stacked by domain of need"
    return house_config(chart.properties(title=title))


def who_saves(table: pd.DataFrame, points: list[str]) -> alt.TopLevelMixin:
    """Per reform, each agency's fall in spend against the baseline (£m a year, mean and 95% t
    interval): who the saving lands with, and who pays for it."""
    data = table[table["point"].isin(points)].assign(
        saving_m=lambda t: t["saving_gbp_per_year"] / 1e6, low_m=lambda t: t["ci_low"] / 1e6, high_m=lambda t: t["ci_high"] / 1e6
    )[["point", "agency", "saving_m", "low_m", "high_m", "share_of_saving", "pairs"]]
    agencies = [a for a in AGENCY_COLOURS if a in set(data["agency"])] + sorted(set(data["agency"]) - set(AGENCY_COLOURS))
    colour = alt.Color("agency:N", title="", scale=alt.Scale(domain=agencies, range=[agency_colour(a) for a in agencies]),
                       legend=None)  # fmt: skip
    y = alt.Y("agency:N", title=None, sort=agencies)
    saving_title = "saving, £m a year"
    x = alt.X("saving_m:Q", title=saving_title, axis=alt.Axis(format=D3_FORMAT["signed_axis"]))
    tooltip = ["point:N", "agency:N", alt.Tooltip("saving_m:Q", title="saving £m a year", format=D3_FORMAT["signed"]),
               alt.Tooltip("low_m:Q", title="95% from", format=D3_FORMAT["signed"]),
               alt.Tooltip("high_m:Q", title="to", format=D3_FORMAT["signed"]),
               alt.Tooltip("share_of_saving:Q", title="share of the saving", format=".0%"), "pairs:Q"]  # fmt: skip
    base = alt.Chart(data)
    layered = alt.layer(
        base.mark_bar().encode(x, y, colour, tooltip=tooltip),
        base.mark_rule(color="black").encode(alt.X("low_m:Q", title=saving_title), alt.X2("high_m:Q"), y),
        base.mark_rule(color="black", strokeWidth=0.8).encode(x=alt.datum(0)),
    ).properties(width=PANEL_WIDTH, height=alt.Step(18))
    chart = layered.facet(facet=alt.Facet("point:N", title=None, sort=points), columns=3)
    return house_config(chart.properties(title="Who saves: each agency's fall in spend against the baseline"))


def between_reforms(table: pd.DataFrame, points: list[str], measure: str, label: str, number_format: str):
    """Every reform against every other on one measure: row minus column, mean paired difference,
    coloured by sign, marked * where beyond noise."""
    data = table[table["measure"] == measure][["point", "against", "mean_difference", "ci_low", "ci_high", "p_holm",
                                               "beyond_noise"]]  # fmt: skip
    x = alt.X("against:N", title="… minus this reform", sort=points, axis=alt.Axis(labelAngle=-20, labelLimit=180))
    y = alt.Y("point:N", title="This reform …", sort=points, axis=alt.Axis(labelLimit=200))
    tooltip = [alt.Tooltip("point:N", title="reform"), alt.Tooltip("against:N", title="minus"),
               alt.Tooltip("mean_difference:Q", title=label, format=number_format),
               alt.Tooltip("ci_low:Q", title="95% from", format=number_format),
               alt.Tooltip("ci_high:Q", title="to", format=number_format),
               alt.Tooltip("p_holm:Q", title="Holm p", format=".3f")]  # fmt: skip
    extreme = float(data["mean_difference"].abs().max() or 1.0)
    base = alt.Chart(data)
    cells = base.mark_rect().encode(x, y, alt.Color("mean_difference:Q", title=label,
                                                  scale=alt.Scale(scheme="blueorange", domain=[-extreme, extreme]),
                                                  legend=alt.Legend(orient="right", format=D3_FORMAT["signed_axis"])),
                                    tooltip=tooltip)  # fmt: skip
    text = base.transform_calculate(
        shown=f"format(datum.mean_difference, '{number_format}') + (datum.beyond_noise ? ' *' : '')"
    ).mark_text(fontSize=12).encode(x, y, alt.Text("shown:N"))
    chart = alt.layer(cells, text).properties(width=alt.Step(110), height=alt.Step(34))
    return house_config(chart.properties(title=f"Reform against reform: {label}"))


def spread_of_runs(pairs: pd.DataFrame, colours: Mapping[str, str], measures: Mapping[str, str]):
    """Every pair's difference from the baseline (one dot per replication) beside its mean: how much
    single runs vary, which the bands of the mean do not show."""
    data = pairs[pairs["measure"].isin(measures)].assign(label=lambda t: t["measure"].map(measures))
    data = data[["point", "replication", "label", "difference"]]
    colour = alt.Color("point:N", title="", scale=point_scale(colours), legend=None)
    y = alt.Y("point:N", title=None, sort=list(colours), axis=alt.Axis(labelLimit=220))
    tooltip = ["point:N", "replication:Q", alt.Tooltip("difference:Q", format=D3_FORMAT["signed"])]
    base = alt.Chart(data)
    layered = alt.layer(
        base.mark_tick(thickness=2, size=16, opacity=0.7).encode(
            alt.X("difference:Q", title="difference from the baseline, one mark per run", axis=alt.Axis(format=D3_FORMAT["signed_axis"])),
            y, colour, tooltip=tooltip),
        base.mark_point(shape="diamond", size=120, filled=True, color="black").encode(
            alt.X("mean(difference):Q", title="difference from the baseline, one mark per run"), y),
        base.mark_rule(color="black", strokeWidth=0.8).encode(x=alt.datum(0)),
    ).properties(width=300, height=alt.Step(22))  # fmt: skip
    chart = layered.facet(facet=alt.Facet("label:N", title=None, sort=list(measures.values()),
                                          header=alt.Header(labelLimit=420, labelAnchor="start")),
                          columns=2, spacing=16).resolve_scale(x="independent")  # fmt: skip
    return house_config(chart.properties(title="The spread of single runs: each pair's difference (black: the mean)"))


def payback(cumulative: pd.DataFrame, colours: Mapping[str, str], rate: float):
    """Cumulative discounted saving against the baseline by year, per point, with its 95% band:
    a reform has paid back where its line crosses 0 for good."""
    data = cumulative.assign(
        mean_m=cumulative["mean"] / 1e6, low_m=cumulative["ci_low"] / 1e6, high_m=cumulative["ci_high"] / 1e6
    )
    return lines_with_band(data.assign(step=data["year"] * 4), colours, "mean_m", "low_m", "high_m",
                           f"Cumulative saving discounted at the Green Book rate ({rate:.1%} a year)",
                           "Cumulative discounted saving (£m)", D3_FORMAT["signed"], zero_rule=True)  # fmt: skip

