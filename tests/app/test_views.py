"""The app's views: the numbers they print and the charts they draw, from the running place."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sim.app import charts, controls, views
from sim.app.browser_files import NPM_PACKAGES
from sim.app.live_chart import TEMPLATE as LIVE_CHART_TEMPLATE
from sim.app.place import AppPlace
from tests.app.conftest import SAMPLE


def stepped(path: Path, quarters: int, **changes) -> AppPlace:
    values = controls.start_values(controls.model_params(path, population_sample=SAMPLE))
    place = AppPlace(**{**values, **changes})
    for _ in range(quarters):
        place.step()
    return place


def series_and_colours(chart: charts.Chart) -> tuple[set[str], set[str]]:
    """The series in a chart's data and the series its colour scale (or layers) name."""
    named = set()
    for layer in chart.spec["layer"]:
        colour = layer["encoding"].get("color")
        if colour:
            named |= set(colour["scale"]["domain"])
        for rule in layer.get("transform", []):
            named.add(rule["filter"]["equal"])
    return {row["series"] for row in chart.values}, named


def test_at_the_start_every_view_says_what_to_do(pooled_file: Path) -> None:
    place = stepped(pooled_file, 0)
    for build in views.PANELS:
        panel = build(place)
        assert panel.lines, build.__name__
        assert any(views.START in line or "Tick 'Compare" in line for line in panel.lines), build.__name__
        assert panel.chart.values == []


def test_readouts_show_the_latest_quarter(pooled_file: Path) -> None:
    place = stepped(pooled_file, 2)
    latest = place.history[-1]
    assert views.count_panel(place).lines[0].startswith("Quarter 2 of 6 (year 1)")
    assert f"Spend this quarter: £{latest.total_spend_gbp / 1e6:,.1f}m" in views.count_panel(place).lines
    assert f"Crises this quarter: {latest.total_crises:,.0f}" in views.crises_panel(place).lines
    assert f"Wellbeing: {latest.wellbeing:.4f}" in views.wellbeing_panel(place).lines
    pool = views.pool_panel(place).lines
    assert pool[0].endswith(f"members: {latest.pool_members} of 6")
    assert f"Pooled this quarter: £{latest.pooled_gbp / 1e6:,.1f}m" in pool[1]


def test_every_series_drawn_has_its_fixed_colour(pooled_file: Path) -> None:
    place = stepped(pooled_file, 2, compare_with_silo=True)
    for build in views.PANELS:
        drawn, coloured = series_and_colours(build(place).chart)
        assert drawn and drawn <= coloured, build.__name__


def test_the_count_draws_every_pound_spent_this_quarter(pooled_file: Path) -> None:
    place = stepped(pooled_file, 1)
    rows = views.count_panel(place).chart.values
    assert sum(row["value"] for row in rows) == pytest.approx(place.history[-1].total_spend_gbp / 1e6, abs=0.01)
    assert {row["series"] for row in rows} >= {"council", "nhs", "pool"}


def test_lines_grow_by_one_point_per_series_each_quarter(pooled_file: Path) -> None:
    place = stepped(pooled_file, 3)
    rows = views.crises_panel(place).chart.values
    assert len(rows) == 3 * len(place.scenario.domains)
    assert {row["quarter"] for row in rows} == {1, 2, 3}


def test_the_baseline_view_explains_itself_when_it_is_off(pooled_file: Path) -> None:
    panel = views.baseline_panel(stepped(pooled_file, 1))
    assert panel.lines[0].startswith(f"Tick '{controls.COMPARE_LABEL}'")
    assert "your place minus the silo baseline" in panel.lines[0]


def test_the_baseline_view_shows_your_place_minus_the_silo_baseline(pooled_file: Path) -> None:
    place = stepped(pooled_file, 3, compare_with_silo=True)
    averted = sum(b.total_crises - y.total_crises for y, b in zip(place.history, place.baseline_history))
    panel = views.baseline_panel(place)
    assert panel.title.startswith("Your place minus the silo baseline (2009-10")
    assert panel.lines[0].startswith(f"Crises averted so far: {averted:,.0f}")
    yours, baseline = place.history[-1], place.baseline_history[-1]
    assert f"crises {yours.total_crises - baseline.total_crises:+,.0f}" in panel.lines[1]
    assert panel.chart.values[-2] == {"quarter": 3, "series": "crises averted so far", "value": round(averted)}


def test_the_baseline_view_shows_zero_when_your_place_is_the_baseline(silo_file: Path) -> None:
    panel = views.baseline_panel(stepped(silo_file, 3, compare_with_silo=True))
    assert panel.lines[0] == "Crises averted so far: 0 (0.0% of the baseline's)"
    assert panel.lines[1] == "This quarter: crises +0 · wellbeing +0.0000 · spend +£0.0m · waste +£0.0m"
    assert panel.lines[2].startswith("Your place is the silo baseline itself")
    assert {row["value"] for row in panel.chart.values} == {0}


def test_in_force_names_every_setting_the_place_was_built_with(pooled_file: Path) -> None:
    text = views.in_force(stepped(pooled_file, 0, pooling_rate=0.42, seed=9))
    for fragment in ("pool rule need", "pooling rate 0.42", "2,000 simulated citizens", "seed 9", "silo baseline off"):
        assert fragment in text


def test_charts_are_json_for_the_vega_lite_the_page_loads(pooled_file: Path) -> None:
    place = stepped(pooled_file, 1, compare_with_silo=True)
    major = charts.SCHEMA.rsplit("/v", 1)[1].split(".")[0]
    assert f"vega-lite@{major}" in NPM_PACKAGES and f"vega-lite@{major}" in LIVE_CHART_TEMPLATE
    for build in views.PANELS:
        chart = build(place).chart
        assert json.loads(json.dumps(chart.spec))["$schema"] == charts.SCHEMA
        assert chart.spec["data"] == {"name": charts.DATA} and json.loads(json.dumps(chart.values)) == chart.values


def test_a_charts_spec_stays_the_same_while_the_place_runs(pooled_file: Path) -> None:
    place = stepped(pooled_file, 1, compare_with_silo=True)
    first = [build(place).chart.spec for build in views.PANELS]
    place.step()
    assert [build(place).chart.spec for build in views.PANELS] == first
