"""The app's views: what each one draws and the numbers it prints, redrawn after every step.

Each view is a pure function from the running `AppPlace` to a `Panel` (a title, its charts and
readout lines: the latest numbers as text, so a reader, and the browser tests, can check
values and not only pictures), and a Solara component that shows the panel. The components follow
Mesa's pattern for custom SolaraViz components: they take the model and subscribe to Mesa's
`update_counter`, so they redraw after Step, on Play and on Reset. With the comparison on, every
chart draws the 2009-10 silo baseline too (dashed, with its own legend entry), and every readout
gives the baseline's number beside yours.
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
from sim.app.charts import BASELINE, YOURS, Scale
from sim.app.controls import COMPARE_LABEL, shown
from sim.app.live_chart import live_chart
from sim.app.place import AppPlace, Quarter
from sim.app.units import COUNT, DIFFERENCE, GBP_M_TIP, INDEX, INDEX_TIP, SHARE, gbp_m, millions, rate_text
from sim.model.ledger import POOL

ACROSS_DOMAINS = "across domains"  # spend with no single domain: assessments and the pool's packages
START = "Quarter 0: the place as it starts. Press Step to simulate a quarter."
PANEL_STYLE = {"padding": "4px 8px", "overflow": "hidden"}
TITLE_STYLE = "font-weight: 600; font-size: 14px; margin-bottom: 2px"
READOUT_STYLE = "font-size: 12.5px; line-height: 1.35"
DIFFERENCE_HEIGHT = 62
WELLBEING_LEAST_SPAN = 0.01  # a wellbeing difference axis spans at least +-0.01 of the 0-to-1 scale


@dataclass(frozen=True)
class Panel:
    title: str
    charts: tuple[charts.Chart, ...]
    lines: list[str]


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
    """The settings the running place was built with (levers moved since then apply at the next Reset)."""
    levers = place.levers
    return (
        f"In force: pool rule {levers.pool_rule} · pooling rate {shown('pooling_rate', levers.pooling_rate)} · "
        f"gain-share {shown('gain_share', levers.gain_share)} · "
        f"ring-fence share {shown('ring_fence_share', levers.ring_fence_share)} · "
        f"target pressure {shown('target_pressure', levers.target_pressure)} · "
        f"budget growth {shown('budget_growth', levers.budget_growth)} · "
        f"initial collaboration {shown('collaboration', levers.collaboration)} · "
        f"{place.population_sample:,} simulated citizens · seed {place.seed} · "
        f"silo baseline {shown('compare_with_silo', place.compare_with_silo)}"
    )


def places(place: AppPlace) -> list[str]:
    return [YOURS, BASELINE] if place.compare_with_silo else [YOURS]


def histories(place: AppPlace) -> list[tuple[str, list[Quarter]]]:
    both = [(YOURS, place.history), (BASELINE, place.baseline_history)]
    return both if place.compare_with_silo else both[:1]


def rows_of(place: AppPlace, series: str, value: Callable[[Quarter], float]) -> list[dict[str, Any]]:
    """One row per quarter and place of `value`, for the series `series`."""
    return [
        {"quarter": q.step, "series": series, "place": name, "value": value(q)}
        for name, history in histories(place)
        for q in history
    ]


def population(place: AppPlace) -> int:
    return place.scenario.place.population


def count_panel(place: AppPlace) -> Panel:
    title = "The count: spend this quarter by domain and agency"
    domains = [*place.scenario.domains, ACROSS_DOMAINS]
    colours = {agency: agency_colour(agency) for agency in [*place.scenario.agencies, POOL]}
    scale = Scale("£m this quarter", tooltip_format=GBP_M_TIP)
    rows = []
    for name, history in histories(place):
        if not history:
            continue
        spend = history[-1].spend_gbp
        if name == YOURS:
            rows += [
                {"domain": domain or ACROSS_DOMAINS, "series": agency, "place": name, "value": millions(value)}
                for (agency, domain), value in spend.items()
            ]
        else:
            by_domain: dict[str, float] = defaultdict(float)
            for (_, domain), value in spend.items():
                by_domain[domain or ACROSS_DOMAINS] += value
            rows += [{"domain": d, "series": name, "place": name, "value": millions(v)} for d, v in by_domain.items()]
    chart = charts.stacked_bars(rows, "domain", domains, scale, colours, place.compare_with_silo)
    if not place.history:
        return Panel(title, (chart,), [START])
    quarter = place.history[-1]
    by_agency: dict[str, float] = defaultdict(float)
    for (agency, _), value in quarter.spend_gbp.items():
        by_agency[agency] += value
    by_agency = {agency: by_agency[agency] for agency in colours if agency in by_agency}
    lines = [f"Spend this quarter: {gbp_m(quarter.total_spend_gbp)}", f"By agency: {joined(by_agency, gbp_m)}"]
    if place.baseline_history:
        lines.append(f"{BASELINE}: {gbp_m(place.baseline_history[-1].total_spend_gbp)} (grey bars)")
    return Panel(title, (chart,), lines)


def shares_panel(place: AppPlace) -> Panel:
    title = "Acute response vs prevention, share of spend"
    colours = {"acute": CATEGORY_COLOURS["acute"], "prevention": CATEGORY_COLOURS["prevention"]}
    rows = rows_of(place, "acute", lambda q: round(q.acute_share, 4))
    rows += rows_of(place, "prevention", lambda q: round(q.prevention_share, 4))
    scale = Scale("share of spend", format=SHARE, domain=(0, 1), tooltip_format=".1%")
    chart = charts.lines(rows, place.horizon, scale, colours, places(place))
    lines = [START]
    if place.history:
        latest = place.history[-1]
        lines = [f"Acute share: {latest.acute_share:.1%} · prevention share: {latest.prevention_share:.1%}"]
        if place.baseline_history:
            baseline = place.baseline_history[-1]
            lines.append(f"{BASELINE}: acute {baseline.acute_share:.1%} · prevention {baseline.prevention_share:.1%}")
    return Panel(title, (chart,), lines)


def crises_panel(place: AppPlace) -> Panel:
    title = "Crises per quarter by domain (residents)"
    domains = list(place.scenario.domains)
    colours = {domain: colour_for(domain, {}, domains) for domain in domains}
    rows = [
        {"quarter": q.step, "series": d, "place": name, "value": round(q.crises[d])}
        for name, history in histories(place)
        for q in history
        for d in domains
    ]
    scale = Scale("crises this quarter", format=COUNT, counts=True)
    chart = charts.lines(rows, place.horizon, scale, colours, places(place))
    lines = [START]
    if place.history:
        latest = place.history[-1]
        lines = [
            f"Crises this quarter: {latest.total_crises:,.0f} ({rate_text(latest.total_crises, population(place))})",
            f"By domain: {joined(latest.crises, lambda v: f'{v:,.0f}')}",
        ]
        if place.baseline_history:
            lines.append(f"{BASELINE}: {place.baseline_history[-1].total_crises:,.0f} this quarter")
    return Panel(title, (chart,), lines)


def wellbeing_panel(place: AppPlace) -> Panel:
    title = "Wellbeing (1 - mean need, 0 to 1)"
    colours = {YOURS: OKABE_ITO["blue"], BASELINE: GREY}
    rows = rows_of(place, "wellbeing", lambda q: round(q.wellbeing, 5))
    scale = Scale("wellbeing", format=INDEX, domain=(0, 1), tooltip_format=INDEX_TIP)
    chart = charts.lines(rows, place.horizon, scale, {p: colours[p] for p in places(place)}, places(place), "place")
    lines = [START]
    if place.history:
        lines = [f"Wellbeing: {place.history[-1].wellbeing:.4f}"]
        if place.baseline_history:
            lines.append(f"{BASELINE}: {place.baseline_history[-1].wellbeing:.4f}")
    return Panel(title, (chart,), lines)


WASTE_KINDS = {"duplicated assessment": "duplicated_assessment", "governance": "governance"}


def waste_panel(place: AppPlace) -> Panel:
    title = "Waste: duplicated assessment and pool governance"
    colours = {label: CATEGORY_COLOURS[category] for label, category in WASTE_KINDS.items()}
    rows = [
        {"quarter": q.step, "series": label, "place": YOURS, "value": millions(q.category_gbp.get(category, 0.0))}
        for q in place.history
        for label, category in WASTE_KINDS.items()
    ]
    rows += [
        {"quarter": q.step, "series": "waste", "place": BASELINE, "value": millions(q.waste_gbp)}
        for q in place.baseline_history
    ]
    scale = Scale("£m per quarter", tooltip_format=GBP_M_TIP)
    chart = charts.stacked_areas(rows, place.horizon, scale, colours, place.compare_with_silo)
    lines = [START]
    if place.history:
        latest = place.history[-1]
        parts = {label: latest.category_gbp.get(category, 0.0) for label, category in WASTE_KINDS.items()}
        lines = [f"Waste this quarter: {gbp_m(latest.waste_gbp)} ({joined(parts, gbp_m)})"]
        if place.baseline_history:
            lines.append(f"{BASELINE}: {gbp_m(place.baseline_history[-1].waste_gbp)}")
    return Panel(title, (chart,), lines)


def collaboration_panel(place: AppPlace) -> Panel:
    title = "Collaboration tendency by agency (0 to 1)"
    agencies = list(place.scenario.agencies)
    colours = {agency: agency_colour(agency) for agency in agencies}
    rows = [
        {"quarter": q.step, "series": a, "place": name, "value": round(q.collaboration[a], 4)}
        for name, history in histories(place)
        for q in history
        for a in agencies
    ]
    scale = Scale("collaboration", format=INDEX, domain=(0, 1), tooltip_format=INDEX_TIP)
    chart = charts.lines(rows, place.horizon, scale, colours, places(place))
    lines = [START]
    if place.history:
        latest = place.history[-1].collaboration
        lines = [
            f"Mean collaboration: {sum(latest.values()) / len(latest):.3f}",
            f"By agency: {joined(latest, lambda v: f'{v:.2f}')}",
        ]
        if place.baseline_history:
            baseline = place.baseline_history[-1].collaboration
            lines.append(f"{BASELINE}: mean {sum(baseline.values()) / len(baseline):.3f}")
    return Panel(title, (chart,), lines)


PAID_IN = "paid in by members"
POOL_SPENDING = {"packages": "pool_prevention", "their assessment": "assessment", "governance": "governance"}
POOL_BALANCE = "balance at the end of the quarter"
POOL_COLOURS = {
    PAID_IN: OKABE_ITO["bluish_green"],
    "packages": CATEGORY_COLOURS["pool_prevention"],
    "their assessment": CATEGORY_COLOURS["assessment"],
    "governance": CATEGORY_COLOURS["governance"],
    POOL_BALANCE: OKABE_ITO["black"],
}


def pool_panel(place: AppPlace) -> Panel:
    title = "The pool: money in and out each quarter, and its balance"
    rows = [
        {"quarter": q.step, "series": PAID_IN, "place": YOURS, "value": millions(q.pooled_gbp)} for q in place.history
    ]
    rows += [
        {"quarter": q.step, "series": label, "place": YOURS, "value": -millions(q.pool_spent_gbp.get(category, 0.0))}
        for q in place.history
        for label, category in POOL_SPENDING.items()
    ]
    rows += rows_of(place, POOL_BALANCE, lambda q: millions(q.pool_balance_gbp))
    scale = Scale("£m (in above 0, out below)", tooltip_format=GBP_M_TIP)
    chart = charts.flows_and_balance(rows, place.horizon, scale, POOL_COLOURS, POOL_BALANCE, place.compare_with_silo)
    lines = [START]
    if place.levers.pool_rule == "silo":
        lines = ["No pool under pool rule silo: nothing is paid in or spent. Pick another pool rule and press Reset."]
    elif place.history:
        latest = place.history[-1]
        spent = {label: latest.pool_spent_gbp.get(category, 0.0) for label, category in POOL_SPENDING.items()}
        lines = [
            f"Pool balance: {gbp_m(latest.pool_balance_gbp)} · "
            f"members: {latest.pool_members} of {len(place.scenario.agencies)}",
            f"Paid in this quarter: {gbp_m(latest.pooled_gbp)} · spent: {gbp_m(sum(spent.values()))} "
            f"({joined(spent, gbp_m)})",
            f"Packages bought: {latest.pool_packages:,.0f}",
        ]
    if place.compare_with_silo:
        lines.append(f"{BASELINE}: no pool (balance £0.0m)")
    return Panel(title, (chart,), lines)


AVERTED = "crises averted so far"
WELLBEING_DIFFERENCE = "wellbeing difference (0-1 scale)"


def difference_charts(place: AppPlace, rows: list[dict[str, Any]]) -> tuple[charts.Chart, ...]:
    """Crises averted so far and the wellbeing difference, each with the baseline as its zero line;
    the crises axis spans at least 1 per 1,000 residents either side of zero."""
    least = max(1, round(population(place) / 1000))
    averted = Scale(AVERTED, format=COUNT, counts=True, at_least=(-least, least))
    wellbeing = Scale(WELLBEING_DIFFERENCE, format=DIFFERENCE, at_least=(-WELLBEING_LEAST_SPAN, WELLBEING_LEAST_SPAN))
    on, height = place.compare_with_silo, DIFFERENCE_HEIGHT
    crises = [r for r in rows if r["series"] == AVERTED]
    wellbeing_rows = [r for r in rows if r["series"] == WELLBEING_DIFFERENCE]
    return (
        charts.difference(crises, place.horizon, averted, OKABE_ITO["bluish_green"], on, height),
        charts.difference(wellbeing_rows, place.horizon, wellbeing, OKABE_ITO["blue"], on, height),
    )


def baseline_panel(place: AppPlace) -> Panel:
    title = "Your place minus the 2009-10 silo baseline (same seed)"
    if not place.compare_with_silo:
        hint = (
            f"Tick '{COMPARE_LABEL}' and press Reset: the same place and seed under the regime of 2009-10 "
            "(ring-fences, annual settlements, silo targets, no pool; none of your levers) is stepped alongside, "
            "and this view shows your place minus the silo baseline: the effect of your choices, net of noise."
        )
        return Panel(title, difference_charts(place, []), [hint])
    rows, so_far = [], 0.0
    for yours, baseline in zip(place.history, place.baseline_history):
        so_far += baseline.total_crises - yours.total_crises
        rows.append({"quarter": yours.step, "series": AVERTED, "value": round(so_far)})
        wellbeing = round(yours.wellbeing - baseline.wellbeing, 5)
        rows.append({"quarter": yours.step, "series": WELLBEING_DIFFERENCE, "value": wellbeing})
    chart_pair = difference_charts(place, rows)
    same = "Your place is the silo baseline itself, so every difference is zero: move a lever and press Reset."
    if not place.history:
        return Panel(title, chart_pair, [START, same] if place.is_the_baseline else [START])
    yours, baseline = place.history[-1], place.baseline_history[-1]
    baseline_crises = sum(q.total_crises for q in place.baseline_history)
    share = f" ({so_far / baseline_crises:.1%} of the baseline's)" if baseline_crises else ""
    differences = {
        "crises": f"{yours.total_crises - baseline.total_crises:+,.0f}",
        "wellbeing": f"{round(yours.wellbeing - baseline.wellbeing, 4) + 0.0:+.4f}",  # + 0.0: no "-0.0000"
        "spend": gbp_m(yours.total_spend_gbp - baseline.total_spend_gbp, signed=True),
        "waste": gbp_m(yours.waste_gbp - baseline.waste_gbp, signed=True),
    }
    rate = rate_text(so_far / len(place.history), population(place))
    lines = [
        f"Crises averted so far: {so_far:,.0f}{share}",
        f"That is {rate} (below 0: more crises than the baseline)",
        f"This quarter: {joined(differences, str)}",
    ]
    return Panel(title, chart_pair, [*lines, same] if place.is_the_baseline else lines)


@dataclass(frozen=True)
class Tab:
    label: str
    panels: tuple[Callable[[AppPlace], Panel], ...]


# The first tab answers "what did my choices do?"; the second shows where the money went and
# how the agencies' culture moved. Each holds four views, two by two.
TABS = (
    Tab("Outcomes: your place and the baseline", (baseline_panel, crises_panel, wellbeing_panel, shares_panel)),
    Tab("Money, the pool and culture", (count_panel, waste_panel, pool_panel, collaboration_panel)),
)
PANELS: list[Callable[[AppPlace], Panel]] = [panel for tab in TABS for panel in tab.panels]


@solara.component
def PanelCard(panel: Panel, quarter: int):
    """A title, the charts, and the readout lines under them; the class `quarter-N` says which
    quarter it shows (the views update one after another; a reader waiting for all can tell)."""
    # a few plain HTML elements rather than a component per line: eight views redraw every step
    readouts = "".join(f'<div class="placesim-readout">{html.escape(line)}</div>' for line in panel.lines)
    with solara.Div(style=PANEL_STYLE, classes=["placesim-panel", f"quarter-{quarter}"]):
        solara.HTML("div", html.escape(panel.title), style=TITLE_STYLE, classes=["placesim-title"])
        for chart in panel.charts:
            live_chart(chart)
        solara.HTML("div", readouts, style=READOUT_STYLE)


@solara.component
def View(model: AppPlace, panel: Callable[[AppPlace], Panel]):
    """One view of the running place, redrawn whenever Mesa signals a step or a Reset."""
    update_counter.get()
    PanelCard(panel(model), model.steps)
