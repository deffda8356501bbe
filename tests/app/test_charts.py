"""The charts' axes: fixed ranges where a measure has one, whole-number ticks for counts, a stated
least span for differences, no tick labels on an empty chart without a fixed range."""

from __future__ import annotations

from sim.app import charts
from sim.app.charts import BASELINE, YOURS, Scale

HORIZON = 40


def y_of(chart: charts.Chart) -> dict:
    return chart.spec["layer"][0]["encoding"]["y"]


def test_a_fixed_range_is_drawn_whole_with_or_without_data() -> None:
    scale = Scale("wellbeing", format=".2f", domain=(0, 1))
    for rows in ([], [{"quarter": 1, "series": "w", "place": YOURS, "value": 0.866}]):
        y = y_of(charts.lines(rows, HORIZON, scale, {"w": "#000"}))
        assert y["scale"] == {"domain": [0, 1]} and y["axis"].get("labels", True)


def test_an_empty_chart_without_a_fixed_range_shows_no_tick_labels() -> None:
    y = y_of(charts.lines([], HORIZON, Scale("crises", format=",d", counts=True), {"a": "#000"}))
    assert y["axis"]["labels"] is False and y["axis"]["ticks"] is False


def test_with_data_a_count_axis_starts_at_zero_with_whole_ticks() -> None:
    rows = [{"quarter": 1, "series": "a", "place": YOURS, "value": 120}]
    y = y_of(charts.lines(rows, HORIZON, Scale("crises", format=",d", counts=True), {"a": "#000"}))
    assert y["scale"] == {"zero": True} and y["axis"] == {"format": ",d", "tickMinStep": 1}


def test_a_difference_spans_at_least_its_stated_range_and_zero() -> None:
    chart = charts.difference([], HORIZON, Scale("d", format="+.3f", at_least=(-0.01, 0.01)), "#000", True, 60)
    main = chart.spec["layer"][-1]["encoding"]["y"]
    assert main["scale"]["domain"] == {"unionWith": [-0.01, 0.01]}
    zero = chart.spec["layer"][0]
    assert zero["encoding"]["y"] == {"datum": 0, "type": "quantitative"}
    assert zero["data"]["values"][0]["place"] == BASELINE


def test_the_baseline_is_dashed_and_yours_solid() -> None:
    dash = charts.baseline_dash([YOURS, BASELINE])
    assert dash["scale"]["range"] == [charts.SOLID, charts.DASHED]


def test_bars_put_the_baseline_beside_yours() -> None:
    rows = [
        {"domain": "health", "series": "nhs", "place": YOURS, "value": 3.0},
        {"domain": "health", "series": BASELINE, "place": BASELINE, "value": 3.2},
    ]
    encoding = charts.stacked_bars(rows, "domain", ["health"], Scale("£m"), {"nhs": "#56B4E9"}, True).spec["layer"][0][
        "encoding"
    ]
    assert encoding["xOffset"]["field"] == "place" and BASELINE in encoding["color"]["scale"]["domain"]
