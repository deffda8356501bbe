"""The app's charts: Vega-Lite specs written as plain dicts, with their data apart.

A chart is a spec, which stays the same while a place runs, and the rows of its named data set
`table`, which grow each step; the browser (live_chart.py) draws the spec once and then only
swaps the rows. Building the same specs with altair would cost 50-70 ms per chart per step on a
busy 2-core machine (a DataFrame converted and validated each time); these dicts cost well under
1 ms. Colours are fixed per name (sim.analysis.style); the x axis spans the whole horizon, so the
lines grow from left to right as the place is stepped.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

SCHEMA = "https://vega.github.io/schema/vega-lite/v5.json"
HEIGHT = 150
FONT_SIZE = 11
DASHED = [4, 3]
SOLID = [1, 0]

DATA = "table"  # the name of every chart's data set

Rows = Sequence[Mapping[str, Any]]


@dataclass(frozen=True)
class Chart:
    spec: dict[str, Any]  # Vega-Lite, reading the data set DATA
    values: list[dict[str, Any]]  # the rows of DATA


def colour_scale(colours: Mapping[str, str]) -> dict[str, Any]:
    return {"domain": list(colours), "range": list(colours.values())}


def legend(title: str | None = None) -> dict[str, Any]:
    return {"title": title, "orient": "right", "labelFontSize": FONT_SIZE - 1, "symbolSize": 60, "labelLimit": 150}


def chart(layer: list[dict[str, Any]], rows: Rows, **extra: Any) -> Chart:
    """A chart of `rows` filling its container's width."""
    spec = {
        "$schema": SCHEMA,
        "width": "container",
        "height": HEIGHT,
        # axes and legend inside the width, laid out again whenever the data is swapped
        "autosize": {"type": "fit-x", "contains": "padding", "resize": True},
        "data": {"name": DATA},
        "layer": layer,
        "config": {
            "axis": {"labelFontSize": FONT_SIZE - 1, "titleFontSize": FONT_SIZE, "grid": True, "gridOpacity": 0.3},
            "view": {"stroke": None},
        },
        **extra,
    }
    return Chart(spec, [dict(row) for row in rows])


def y_scale(rows: Rows, zero: bool = True) -> dict[str, Any]:
    """A y scale; with no rows yet, a fixed [0, 1] so vega has an extent to draw (the spec then
    changes once, at the first step)."""
    return {"zero": zero} if rows else {"domain": [0, 1]}


def quarter_axis(horizon: int) -> dict[str, Any]:
    return {
        "field": "quarter",
        "type": "quantitative",
        "title": "quarter",
        "scale": {"domain": [0, horizon]},
        "axis": {"tickMinStep": 1, "format": "d"},
    }


def lines(
    rows: Rows,
    horizon: int,
    y_title: str,
    colours: Mapping[str, str],
    dashed: Sequence[str] = (),
    y_format: str = ",.0f",
    y_zero: bool = True,
) -> Chart:
    """One line per `series` over `quarter`; series named in `dashed` are drawn dashed (one
    legend shows both colour and dash)."""
    dash = {name: (DASHED if name in dashed else SOLID) for name in colours}
    mark = {"type": "line", "point": {"size": 12}, "strokeWidth": 2, "clip": True}
    encoding = {
        "x": quarter_axis(horizon),
        "y": {
            "field": "value",
            "type": "quantitative",
            "title": y_title,
            "axis": {"format": y_format},
            "scale": y_scale(rows, y_zero),
        },
        "color": {"field": "series", "type": "nominal", "scale": colour_scale(colours), "legend": legend()},
        "strokeDash": {"field": "series", "type": "nominal", "scale": colour_scale(dash), "legend": legend()},
        "tooltip": [{"field": "series"}, {"field": "quarter"}, {"field": "value", "format": y_format}],
    }
    return chart([{"mark": mark, "encoding": encoding}], rows)


def stacked(
    rows: Rows, x_encoding: dict, y_title: str, colours: Mapping[str, str], y_format: str, tooltip: list[dict]
) -> tuple[Rows, dict]:
    """Rows tagged with their stacking order (that of `colours`) and the Vega-Lite encoding of a stack."""
    order = {name: index for index, name in enumerate(colours)}
    rows = [{**row, "stack_order": order.get(row["series"], len(order))} for row in rows]
    encoding = {
        "x": x_encoding,
        "y": {
            "field": "value",
            "type": "quantitative",
            "stack": "zero",
            "title": y_title,
            "axis": {"format": y_format},
            "scale": y_scale(rows),
        },
        "color": {"field": "series", "type": "nominal", "scale": colour_scale(colours), "legend": legend()},
        "order": {"field": "stack_order", "type": "quantitative"},
        "tooltip": tooltip,
    }
    return rows, encoding


def stacked_bars(
    rows: Rows, x: str, x_order: Sequence[str], y_title: str, colours: Mapping[str, str], y_format: str = ",.0f"
) -> Chart:
    """Bars along `x` (in `x_order`), each stacked by `series` in the order of `colours`."""
    x_encoding = {"field": x, "type": "nominal", "sort": list(x_order), "title": None, "axis": {"labelAngle": -30}}
    tooltip = [{"field": x}, {"field": "series"}, {"field": "value", "format": y_format}]
    rows, encoding = stacked(rows, x_encoding, y_title, colours, y_format, tooltip)
    return chart([{"mark": {"type": "bar"}, "encoding": encoding}], rows)


def stacked_areas(rows: Rows, horizon: int, y_title: str, colours: Mapping[str, str], y_format: str = ",.1f") -> Chart:
    """Areas over `quarter`, stacked by `series` in the order of `colours`."""
    tooltip = [{"field": "series"}, {"field": "quarter"}, {"field": "value", "format": y_format}]
    rows, encoding = stacked(rows, quarter_axis(horizon), y_title, colours, y_format, tooltip)
    return chart([{"mark": {"type": "area", "interpolate": "step-after", "clip": True}, "encoding": encoding}], rows)


@dataclass(frozen=True)
class Axis:
    """One series of a two-axis chart and how its axis looks."""

    series: str
    title: str
    colour: str
    format: str = ",.1~f"


def two_axes(rows: Rows, horizon: int, left: Axis, right: Axis) -> Chart:
    """Two series over `quarter`, each on its own y axis, as steps (values that hold for a quarter)."""
    layer = []
    for axis, orient in ((left, "left"), (right, "right")):
        layer.append(
            {
                "transform": [{"filter": {"field": "series", "equal": axis.series}}],
                "mark": {
                    "type": "line",
                    "point": {"size": 12},
                    "color": axis.colour,
                    "strokeWidth": 2,
                    "interpolate": "step-after",
                },
                "encoding": {
                    "x": quarter_axis(horizon),
                    "y": {
                        "field": "value",
                        "type": "quantitative",
                        "title": axis.title,
                        "axis": {"orient": orient, "titleColor": axis.colour, "format": axis.format},
                        "scale": y_scale(rows, zero=False),
                    },
                    "tooltip": [{"field": "series"}, {"field": "quarter"}, {"field": "value", "format": axis.format}],
                },
            }
        )
    return chart(layer, rows, resolve={"scale": {"y": "independent"}})
