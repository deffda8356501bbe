"""The app's charts: Vega-Lite specs written as plain dicts, with their data apart.

A chart is a spec, which stays the same while a place runs, and the rows of its named data set
`table`, which grow each step; the browser (live_chart.py) draws the spec once and then only
swaps the rows. Building the same specs with altair would cost 50-70 ms per chart per step on a
busy 2-core machine (a DataFrame converted and validated each time); these dicts cost well under
1 ms. Colours are fixed per name (sim.analysis.style); the x axis spans the whole horizon, so the
lines grow from left to right as the place is stepped.

Axes are honest: a measure with a fixed range (a share, a 0-to-1 index) is drawn on all of it; a
count has whole-number ticks; a difference always shows zero and a stated least span, so noise
does not fill the chart. Before the first step a chart without a fixed range shows no y tick
labels (an empty [0, 1] would print "0, 0, 0, 1, 1, 1" in a count's format). The silo baseline
is drawn in the same chart as the place, with its own legend entry: dashed, grey where it is one
line.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sim.analysis.style import GREY
from sim.app.units import GBP_M_AXIS

SCHEMA = "https://vega.github.io/schema/vega-lite/v5.json"
HEIGHT = 165
FONT_SIZE = 11
DASHED = [5, 3]
SOLID = [1, 0]

DATA = "table"  # the name of every chart's data set
YOURS = "your place"
BASELINE = "2009-10 silo baseline"  # the series and readouts of the baseline stepped alongside

Rows = Sequence[Mapping[str, Any]]


@dataclass(frozen=True)
class Chart:
    spec: dict[str, Any]  # Vega-Lite, reading the data set DATA
    values: list[dict[str, Any]]  # the rows of DATA


@dataclass(frozen=True)
class Scale:
    """A y axis: its title, tick format and extent.

    `domain` fixes the extent (the measure's whole range); else the data's extent, with zero
    when `zero`, widened to hold `at_least` (a difference's least span). `counts` asks for
    whole-number ticks."""

    title: str
    format: str = GBP_M_AXIS
    domain: tuple[float, float] | None = None
    at_least: tuple[float, float] | None = None
    zero: bool = True
    counts: bool = False
    tooltip_format: str | None = None


def colour_scale(colours: Mapping[str, str]) -> dict[str, Any]:
    return {"domain": list(colours), "range": list(colours.values())}


def legend(**extra: Any) -> dict[str, Any]:
    return {
        "title": None,
        "orient": "right",
        "labelFontSize": FONT_SIZE - 1,
        "symbolSize": 60,
        "labelLimit": 170,
        **extra,
    }


def baseline_dash(places: Sequence[str]) -> dict[str, Any]:
    """The dash of each place (`place` field): solid yours, dashed the baseline, in a legend of its own."""
    dashes = {YOURS: SOLID, BASELINE: DASHED}
    scale = {"domain": list(places), "range": [dashes[p] for p in places]}
    look = legend(symbolType="stroke", symbolStrokeWidth=2, symbolStrokeColor=GREY, symbolSize=300)
    return {"field": "place", "type": "nominal", "scale": scale, "legend": look}


def chart(layer: list[dict[str, Any]], rows: Rows, height: int = HEIGHT, **extra: Any) -> Chart:
    """A chart of `rows` filling its container's width."""
    spec = {
        "$schema": SCHEMA,
        "width": "container",
        "height": height,
        # axes and legend inside the width, laid out again whenever the data is swapped
        "autosize": {"type": "fit-x", "contains": "padding", "resize": True},
        "data": {"name": DATA},
        "layer": layer,
        "config": {
            "axis": {"labelFontSize": FONT_SIZE - 1, "titleFontSize": FONT_SIZE, "grid": True, "gridOpacity": 0.3},
            "legend": {"rowPadding": 2},
            "view": {"stroke": None},
        },
        **extra,
    }
    return Chart(spec, [dict(row) for row in rows])


def y_encoding(scale: Scale, empty: bool, **extra: Any) -> dict[str, Any]:
    """The y channel of `scale`; with no data yet and no fixed range, without tick labels."""
    axis: dict[str, Any] = {"format": scale.format}
    if scale.counts:
        axis["tickMinStep"] = 1
    if scale.domain is not None:
        extent: dict[str, Any] = {"domain": list(scale.domain)}
    elif scale.at_least is not None:
        extent = {"domain": {"unionWith": list(scale.at_least)}, "zero": scale.zero}
    else:
        extent = {"zero": scale.zero}
        if empty:
            extent["domain"] = [0, 1]
            axis.update(labels=False, ticks=False, grid=False)
    return {"field": "value", "type": "quantitative", "title": scale.title, "axis": axis, "scale": extent, **extra}


def quarter_axis(horizon: int) -> dict[str, Any]:
    return {
        "field": "quarter",
        "type": "quantitative",
        "title": "quarter",
        "scale": {"domain": [0, horizon]},
        "axis": {"tickMinStep": 1, "format": "d"},
    }


def tooltip(scale: Scale, *fields: str) -> list[dict[str, Any]]:
    return [*({"field": f} for f in fields), {"field": "value", "format": scale.tooltip_format or scale.format}]


def lines(
    rows: Rows,
    horizon: int,
    scale: Scale,
    colours: Mapping[str, str],
    places: Sequence[str] = (YOURS,),
    colour_by: str = "series",
) -> Chart:
    """One line per (`series`, `place`) over `quarter`: colour by `colour_by` (`series`, or
    `place` when the series is the place itself), dash by place (the baseline dashed)."""
    mark = {"type": "line", "strokeWidth": 2, "clip": True}
    encoding = {
        "x": quarter_axis(horizon),
        "y": y_encoding(scale, empty=not rows),
        "color": {"field": colour_by, "type": "nominal", "scale": colour_scale(colours), "legend": legend()},
        "detail": {"field": "series"},
        "tooltip": tooltip(scale, "place", "series", "quarter"),
    }
    if colour_by == "place":  # one legend: the colour and the dash of each place
        look = legend(symbolType="stroke", symbolStrokeWidth=2, symbolSize=300)
        encoding["color"]["legend"] = look
        encoding["strokeDash"] = {**baseline_dash(places), "legend": look}
    elif len(places) > 1:
        encoding["strokeDash"] = baseline_dash(places)
    return chart([{"mark": mark, "encoding": encoding}], rows)


def stacked_encoding(
    rows: Rows, x_encoding: dict, scale: Scale, colours: Mapping[str, str], fields: Sequence[str]
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Rows tagged with their stacking order (that of `colours`) and the Vega-Lite encoding of a stack."""
    order = {name: index for index, name in enumerate(colours)}
    rows = [{**row, "stack_order": order.get(row["series"], len(order))} for row in rows]
    encoding = {
        "x": x_encoding,
        "y": y_encoding(scale, empty=not rows, stack="zero"),
        "color": {"field": "series", "type": "nominal", "scale": colour_scale(colours), "legend": legend()},
        "order": {"field": "stack_order", "type": "quantitative"},
        "tooltip": tooltip(scale, *fields),
    }
    return rows, encoding


def yours(layer: dict[str, Any]) -> dict[str, Any]:
    return {"transform": [{"filter": {"field": "place", "equal": YOURS}}], **layer}


def the_baseline(layer: dict[str, Any]) -> dict[str, Any]:
    return {"transform": [{"filter": {"field": "place", "equal": BASELINE}}], **layer}


def stacked_bars(
    rows: Rows, x: str, x_order: Sequence[str], scale: Scale, colours: Mapping[str, str], with_baseline: bool
) -> Chart:
    """Bars along `x` (in `x_order`), each stacked by `series` in the order of `colours`; with the
    baseline, its bar (one grey series) beside yours at each `x`."""
    x_encoding = {"field": x, "type": "nominal", "sort": list(x_order), "title": None, "axis": {"labelAngle": -30}}
    colours = {**colours, BASELINE: GREY} if with_baseline else dict(colours)
    rows, encoding = stacked_encoding(rows, x_encoding, scale, colours, ("place", x, "series"))
    if with_baseline:
        encoding["xOffset"] = {"field": "place", "type": "nominal", "sort": [YOURS, BASELINE]}
    return chart([{"mark": {"type": "bar"}, "encoding": encoding}], rows)


def baseline_line(horizon: int, scale: Scale, rows: Rows) -> dict[str, Any]:
    """The baseline's one series as a dashed grey line, with its own legend entry."""
    encoding = {
        "x": quarter_axis(horizon),
        "y": y_encoding(scale, empty=not rows),
        "strokeDash": baseline_dash([BASELINE]),
        "tooltip": tooltip(scale, "place", "series", "quarter"),
    }
    mark = {"type": "line", "color": GREY, "strokeWidth": 2, "interpolate": "step-after", "clip": True}
    return the_baseline({"mark": mark, "encoding": encoding})


def stacked_areas(rows: Rows, horizon: int, scale: Scale, colours: Mapping[str, str], with_baseline: bool) -> Chart:
    """Areas of your place over `quarter`, stacked by `series` in the order of `colours`; with
    the baseline, its total as a dashed grey line."""
    area_rows = [row for row in rows if row["place"] == YOURS]
    tagged, encoding = stacked_encoding(area_rows, quarter_axis(horizon), scale, colours, ("series", "quarter"))
    layer = [yours({"mark": {"type": "area", "interpolate": "step-after", "clip": True}, "encoding": encoding})]
    if with_baseline:
        layer.append(baseline_line(horizon, scale, rows))
    return chart(layer, [*tagged, *(dict(row) for row in rows if row["place"] == BASELINE)])


def flows_and_balance(
    rows: Rows, horizon: int, scale: Scale, colours: Mapping[str, str], balance: str, with_baseline: bool
) -> Chart:
    """Money through a fund each quarter as bars on one £m axis (in above zero, out below,
    stacked by `series` in the order of `colours`), the `balance` series as a black line on the
    same axis, and with the baseline, its balance as a dashed grey line."""
    flow_rows = [row for row in rows if row["place"] == YOURS and row["series"] != balance]
    tagged, encoding = stacked_encoding(flow_rows, quarter_axis(horizon), scale, colours, ("series", "quarter"))
    encoding["x"] = {**encoding["x"], "bandPosition": 0}
    bar = {"type": "bar", "width": {"expr": f"max(1, 0.7 * width / {horizon + 1})"}, "clip": True}
    layer = [yours({"mark": bar, "encoding": encoding})]
    line_encoding = {
        "x": quarter_axis(horizon),
        "y": y_encoding(scale, empty=not rows),
        "color": {"field": "series", "type": "nominal", "scale": colour_scale(colours), "legend": legend()},
        "tooltip": tooltip(scale, "series", "quarter"),
    }
    balance_only = [{"filter": {"and": [{"field": "place", "equal": YOURS}, {"field": "series", "equal": balance}]}}]
    line = {"type": "line", "strokeWidth": 2, "interpolate": "step-after", "point": {"size": 10}, "clip": True}
    layer.append(
        {
            "transform": balance_only,
            "mark": line,
            "encoding": line_encoding,
        }
    )
    if with_baseline:
        layer.append(baseline_line(horizon, scale, rows))
    others = [dict(row) for row in rows if row["place"] == BASELINE or row["series"] == balance]
    return chart(layer, [*tagged, *others])


def difference(rows: Rows, horizon: int, scale: Scale, colour: str, with_baseline: bool, height: int) -> Chart:
    """Your place minus the baseline over `quarter`, as steps in `colour`, and the baseline itself:
    the zero line, dashed grey, with its legend entry."""
    encoding = {
        "x": quarter_axis(horizon),
        "y": y_encoding(scale, empty=not rows),
        "color": {"field": "series", "type": "nominal", "scale": colour_scale({scale.title: colour}), "legend": None},
        "tooltip": tooltip(scale, "series", "quarter"),
    }
    mark = {"type": "line", "strokeWidth": 2, "interpolate": "step-after", "clip": True}
    layer = [{"mark": mark, "encoding": encoding}]
    if with_baseline:
        zero = {
            "data": {"values": [{"place": BASELINE}]},
            "mark": {"type": "rule", "color": GREY, "strokeWidth": 1.5},
            "encoding": {"y": {"datum": 0, "type": "quantitative"}, "strokeDash": baseline_dash([BASELINE])},
        }
        layer.insert(0, zero)
    return chart(layer, rows, height=height)

