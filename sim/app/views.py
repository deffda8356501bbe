"""The app's views: what each one draws and the numbers it prints, redrawn after every step.

Each view is a pure function from the running `AppPlace` to a `Panel` (a title, a chart and
readout lines: the latest numbers as text, so a reader, and the browser tests, can check
values and not only pictures), and a Solara component that shows the panel. The components follow
Mesa's pattern for custom SolaraViz components: they take the model and subscribe to Mesa's
`update_counter`, so they redraw after Step, on Play and on Reset.
"""

from __future__ import annotations

import html
import math
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import solara
from mesa.visualization.utils import update_counter

from sim.analysis.style import CATEGORY_COLOURS, GREY, OKABE_ITO, agency_colour, colour_for
from sim.app import charts
from sim.app.controls import COMPARE_LABEL
from sim.app.live_chart import live_chart
from sim.app.place import AppPlace, Quarter
from sim.model.ledger import POOL

ACROSS_DOMAINS = "across domains"  # spend with no single domain: assessments and the pool's packages
YOURS = "your place"
BASELINE = "2009-10 silo baseline"  # the series and readouts of the baseline stepped alongside
START = "Quarter 0: the place as it starts. Press Step to simulate a quarter."
PANEL_STYLE = {"padding": "4px 8px", "height": "100%", "overflow": "hidden"}
TITLE_STYLE = "font-weight: 600; font-size: 14px; margin-bottom: 2px"
READOUT_STYLE = "font-size: 12.5px; line-height: 1.35"


@dataclass(frozen=True)
class Panel:
    title: str
    chart: charts.Chart
    lines: list[str]


def gbp_m(value: float, signed: bool = False) -> str:
    sign = ("+" if value >= 0 else "-") if signed else ("-" if value < 0 else "")
    return f"{sign}£{abs(value) / 1e6:,.1f}m"


def joined(values: dict[str, Any], show: Callable[[Any], str]) -> str:
    return " · ".join(f"{name} {show(value)}" for name, value in values.items())


def progress(place: AppPlace) -> str:
    quarter = place.steps
    if quarter == 0:
        return f"Quarter 0 of {place.horizon}"
    return (
        f"Quarter {quarter} of {place.horizon} (year {math.ceil(quarter / 4)}) · "
        f"last step {place.step_seconds * 1000:,.0f} ms in the model"
    )


def in_force(place: AppPlace) -> str:
    """The settings the running place was built with (sliders moved since then apply at the next Reset)."""
    levers = place.levers
    return (
        f"In force: pool rule {levers.pool_rule} · pooling rate {levers.pooling_rate:.2f} · "
        f"gain-share {'on' if levers.gain_share else 'off'} · ring-fence share {levers.ring_fence_share:.2f} · "
        f"target pressure {levers.target_pressure:.2f} · budget growth {levers.budget_growth:+.0%} a year · "
        f"initial collaboration {levers.collaboration:.2f} · {place.population_sample:,} simulated citizens · "
        f"seed {place.seed} · silo baseline {'on' if place.compare_with_silo else 'off'}"
    )


def series_rows(history: list[Quarter], series: str, value: Callable[[Quarter], float]) -> list[dict[str, Any]]:
    return [{"quarter": q.step, "series": series, "value": value(q)} for q in history]


def count_panel(place: AppPlace) -> Panel:
    title = "The count: spend this quarter by domain and agency"
    domains = [*place.scenario.domains, ACROSS_DOMAINS]
    colours = {agency: agency_colour(agency) for agency in [*place.scenario.agencies, POOL]}
    if not place.history:
        return Panel(title, charts.stacked_bars([], "domain", domains, "£m", colours), [progress(place), START])
    quarter = place.history[-1]
    rows = [
        {"domain": domain or ACROSS_DOMAINS, "series": agency, "value": round(value / 1e6, 3)}
        for (agency, domain), value in quarter.spend_gbp.items()
    ]
    by_agency: dict[str, float] = defaultdict(float)
    for (agency, _), value in quarter.spend_gbp.items():
        by_agency[agency] += value
    by_agency = {agency: by_agency[agency] for agency in colours if agency in by_agency}
    lines = [
        progress(place),
        f"Spend this quarter: {gbp_m(quarter.total_spend_gbp)}",
        f"By agency: {joined(by_agency, gbp_m)}",
    ]
    return Panel(title, charts.stacked_bars(rows, "domain", domains, "£m", colours), lines)


def shares_panel(place: AppPlace) -> Panel:
    title = "Acute response vs prevention, share of spend"
    colours = {"acute": CATEGORY_COLOURS["acute"], "prevention": CATEGORY_COLOURS["prevention"]}
    rows = series_rows(place.history, "acute", lambda q: round(q.acute_share, 4))
    rows += series_rows(place.history, "prevention", lambda q: round(q.prevention_share, 4))
    dashed = []
    if place.baseline_history:
        colours |= {f"acute, {BASELINE}": colours["acute"], f"prevention, {BASELINE}": colours["prevention"]}
        dashed = [f"acute, {BASELINE}", f"prevention, {BASELINE}"]
        rows += series_rows(place.baseline_history, dashed[0], lambda q: round(q.acute_share, 4))
        rows += series_rows(place.baseline_history, dashed[1], lambda q: round(q.prevention_share, 4))
    lines = [START]
    if place.history:
        latest = place.history[-1]
        lines = [f"Acute share: {latest.acute_share:.1%} · prevention share: {latest.prevention_share:.1%}"]
        if place.baseline_history:
            baseline = place.baseline_history[-1]
            lines.append(f"{BASELINE}: acute {baseline.acute_share:.1%} · prevention {baseline.prevention_share:.1%}")
    return Panel(title, charts.lines(rows, place.horizon, "share of spend", colours, dashed, y_format=".0%"), lines)


def crises_panel(place: AppPlace) -> Panel:
    title = "Crises per quarter by domain (residents)"
    domains = list(place.scenario.domains)
    colours = {domain: colour_for(domain, {}, domains) for domain in domains}
    rows = [{"quarter": q.step, "series": d, "value": round(q.crises[d])} for q in place.history for d in domains]
    lines = [START]
    if place.history:
        latest = place.history[-1]
        lines = [
            f"Crises this quarter: {latest.total_crises:,.0f}",
            f"By domain: {joined(latest.crises, lambda v: f'{v:,.0f}')}",
        ]
        if place.baseline_history:
            lines.append(f"{BASELINE}: {place.baseline_history[-1].total_crises:,.0f} this quarter")
    return Panel(title, charts.lines(rows, place.horizon, "crises", colours), lines)


def wellbeing_panel(place: AppPlace) -> Panel:
    title = "Wellbeing (1 - mean need, 0 to 1)"
    colours = {YOURS: OKABE_ITO["blue"]}
    rows = series_rows(place.history, YOURS, lambda q: round(q.wellbeing, 5))
    if place.baseline_history:
        colours[BASELINE] = GREY
        rows += series_rows(place.baseline_history, BASELINE, lambda q: round(q.wellbeing, 5))
    lines = [START]
    if place.history:
        lines = [f"Wellbeing: {place.history[-1].wellbeing:.4f}"]
        if place.baseline_history:
            lines.append(f"{BASELINE}: {place.baseline_history[-1].wellbeing:.4f}")
    chart = charts.lines(rows, place.horizon, "wellbeing", colours, dashed=[BASELINE], y_format=".4f", y_zero=False)
    return Panel(title, chart, lines)


def waste_panel(place: AppPlace) -> Panel:
    title = "Waste: duplicated assessment and pool governance"
    kinds = {"duplicated assessment": "duplicated_assessment", "governance": "governance"}
    colours = {label: CATEGORY_COLOURS[category] for label, category in kinds.items()}
    rows = [
        {"quarter": q.step, "series": label, "value": round(q.category_gbp.get(category, 0.0) / 1e6, 3)}
        for q in place.history
        for label, category in kinds.items()
    ]
    lines = [START]
    if place.history:
        latest = place.history[-1]
        parts = {label: latest.category_gbp.get(category, 0.0) for label, category in kinds.items()}
        lines = [f"Waste this quarter: {gbp_m(latest.waste_gbp)} ({joined(parts, gbp_m)})"]
        if place.baseline_history:
            lines.append(f"{BASELINE}: {gbp_m(place.baseline_history[-1].waste_gbp)}")
    return Panel(title, charts.stacked_areas(rows, place.horizon, "£m per quarter", colours), lines)


def collaboration_panel(place: AppPlace) -> Panel:
    title = "Collaboration tendency by agency (0 to 1)"
    agencies = list(place.scenario.agencies)
    colours = {agency: agency_colour(agency) for agency in agencies}
    rows = [
        {"quarter": q.step, "series": a, "value": round(q.collaboration[a], 4)} for q in place.history for a in agencies
    ]
    lines = [START]
    if place.history:
        latest = place.history[-1].collaboration
        lines = [
            f"Mean collaboration: {sum(latest.values()) / len(latest):.3f}",
            f"By agency: {joined(latest, lambda v: f'{v:.2f}')}",
        ]
    return Panel(title, charts.lines(rows, place.horizon, "collaboration", colours, y_format=".2f"), lines)


def pool_panel(place: AppPlace) -> Panel:
    title = "The pool: balance and members"
    balance, members = "balance", "members"
    rows = series_rows(place.history, balance, lambda q: round(q.pool_balance_gbp / 1e6, 3))
    rows += series_rows(place.history, members, lambda q: q.pool_members)
    chart = charts.two_axes(
        rows,
        place.horizon,
        charts.Axis(balance, "balance, £m", agency_colour(POOL)),
        charts.Axis(members, "members", OKABE_ITO["black"], format="d"),
    )
    lines = [START]
    if place.history:
        latest = place.history[-1]
        lines = [
            f"Pool balance: {gbp_m(latest.pool_balance_gbp)} · members: {latest.pool_members} of {len(place.scenario.agencies)}",
            f"Pooled this quarter: {gbp_m(latest.pooled_gbp)} · packages bought: {latest.pool_packages:,.0f}",
        ]
    return Panel(title, chart, lines)


def baseline_panel(place: AppPlace) -> Panel:
    title = "Your place minus the silo baseline (2009-10, same seed)"
    averted, wellbeing = "crises averted so far", "wellbeing difference"
    axes = (
        charts.Axis(averted, averted, OKABE_ITO["bluish_green"], format=",.0f"),
        charts.Axis(wellbeing, wellbeing, OKABE_ITO["blue"], format="+.4f"),
    )
    if not place.compare_with_silo:
        hint = (
            f"Tick '{COMPARE_LABEL}' and press Reset: the same place and seed under the regime of 2009-10 "
            "(ring-fences, annual settlements, silo targets, no pool; none of your levers) is stepped alongside, "
            "and this view shows your place minus the silo baseline: the effect of your choices, net of noise."
        )
        return Panel(title, charts.two_axes([], place.horizon, *axes), [hint])
    rows, so_far = [], 0.0
    for yours, baseline in zip(place.history, place.baseline_history):
        so_far += baseline.total_crises - yours.total_crises
        rows.append({"quarter": yours.step, "series": averted, "value": round(so_far)})
        rows.append(
            {"quarter": yours.step, "series": wellbeing, "value": round(yours.wellbeing - baseline.wellbeing, 5)}
        )
    chart = charts.two_axes(rows, place.horizon, *axes)
    same = "Your place is the silo baseline itself, so every difference is zero: move a lever and press Reset."
    if not place.history:
        return Panel(title, chart, [START, same] if place.is_the_baseline else [START])
    yours, baseline = place.history[-1], place.baseline_history[-1]
    baseline_crises = sum(q.total_crises for q in place.baseline_history)
    share = f" ({so_far / baseline_crises:.1%} of the baseline's)" if baseline_crises else ""
    differences = {
        "crises": f"{yours.total_crises - baseline.total_crises:+,.0f}",
        "wellbeing": f"{yours.wellbeing - baseline.wellbeing:+.4f}",
        "spend": gbp_m(yours.total_spend_gbp - baseline.total_spend_gbp, signed=True),
        "waste": gbp_m(yours.waste_gbp - baseline.waste_gbp, signed=True),
    }
    lines = [f"Crises averted so far: {so_far:,.0f}{share}", f"This quarter: {joined(differences, str)}"]
    return Panel(title, chart, [*lines, same] if place.is_the_baseline else lines)


PANELS: list[Callable[[AppPlace], Panel]] = [
    count_panel,
    shares_panel,
    crises_panel,
    wellbeing_panel,
    waste_panel,
    collaboration_panel,
    pool_panel,
    baseline_panel,
]


@solara.component
def PanelCard(panel: Panel, quarter: int):
    """A title, the chart, and the readout lines under it; the class `quarter-N` says which quarter
    it shows (the views update one after another; a reader waiting for all of them can tell)."""
    # a few plain HTML elements rather than a component per line: eight views redraw every step
    readouts = "".join(f'<div class="placesim-readout">{html.escape(line)}</div>' for line in panel.lines)
    with solara.Div(style=PANEL_STYLE, classes=["placesim-panel", f"quarter-{quarter}"]):
        solara.HTML("div", html.escape(panel.title), style=TITLE_STYLE)
        live_chart(panel.chart)
        solara.HTML("div", readouts, style=READOUT_STYLE)


@solara.component
def CountView(model: AppPlace):
    update_counter.get()
    PanelCard(count_panel(model), model.steps)


@solara.component
def SharesView(model: AppPlace):
    update_counter.get()
    PanelCard(shares_panel(model), model.steps)


@solara.component
def CrisesView(model: AppPlace):
    update_counter.get()
    PanelCard(crises_panel(model), model.steps)


@solara.component
def WellbeingView(model: AppPlace):
    update_counter.get()
    PanelCard(wellbeing_panel(model), model.steps)


@solara.component
def WasteView(model: AppPlace):
    update_counter.get()
    PanelCard(waste_panel(model), model.steps)


@solara.component
def CollaborationView(model: AppPlace):
    update_counter.get()
    PanelCard(collaboration_panel(model), model.steps)


@solara.component
def PoolView(model: AppPlace):
    update_counter.get()
    PanelCard(pool_panel(model), model.steps)


@solara.component
def BaselineView(model: AppPlace):
    update_counter.get()
    PanelCard(baseline_panel(model), model.steps)


COMPONENTS = [CountView, SharesView, CrisesView, WellbeingView, WasteView, CollaborationView, PoolView, BaselineView]
