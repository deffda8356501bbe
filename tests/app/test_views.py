"""The app's views: the numbers they print and the charts they draw, from the running place."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sim.analysis.style import GREY
from sim.app import charts, controls, views
from sim.app.browser_files import NPM_PACKAGES
from sim.app.charts import BASELINE, YOURS
from sim.app.live_chart import TEMPLATE as LIVE_CHART_TEMPLATE
from sim.app.place import AppPlace
from tests.app.conftest import SAMPLE


def stepped(path: Path, quarters: int, **changes) -> AppPlace:
    values = controls.start_values(controls.model_params(path, population_sample=SAMPLE))
    place = AppPlace(**{**values, **changes})
    for _ in range(quarters):
        place.step()
    return place


def coloured(chart: charts.Chart) -> set[str]:
    """The names a chart's colour scales (or its layers' filters) give a look to."""
    named = set()
    for layer in chart.spec["layer"]:
        colour = layer["encoding"].get("color")
        if colour:
            named |= set(colour["scale"]["domain"])
        for rule in layer.get("transform", []):
            test = rule["filter"]
            for part in test.get("and", [test]):
                named.add(part["equal"])
    return named


def legends(chart: charts.Chart, channel: str) -> set[str]:
    """The entries of the legends of `channel` in a chart."""
    return {
        name
        for layer in chart.spec["layer"]
        for name in layer["encoding"].get(channel, {}).get("scale", {}).get("domain", [])
        if layer["encoding"][channel].get("legend") is not None
    }


def test_at_the_start_every_view_says_what_to_do(pooled_file: Path) -> None:
    place = stepped(pooled_file, 0)
    for build in views.PANELS:
        panel = build(place)
        assert panel.lines, build.__name__
        assert any(views.START in line or "Tick 'Compare" in line for line in panel.lines), build.__name__
        assert all(chart.values == [] for chart in panel.charts), build.__name__


def test_readouts_show_the_latest_quarter(pooled_file: Path) -> None:
    place = stepped(pooled_file, 2)
    latest = place.history[-1]
    assert views.progress(place).startswith("Quarter 2 of 6 (year 1)")
    assert f"Spend this quarter: £{latest.total_spend_gbp / 1e6:,.1f}m" in views.count_panel(place).lines
    assert views.crises_panel(place).lines[0].startswith(f"Crises this quarter: {latest.total_crises:,.0f} (")
    assert views.crises_panel(place).lines[0].endswith(" per 1,000 residents a year)")
    assert f"Wellbeing: {latest.wellbeing:.4f}" in views.wellbeing_panel(place).lines
    pool = views.pool_panel(place).lines
    assert pool[0].endswith(f"members: {latest.pool_members} of 6")
    assert pool[1].startswith(f"Paid in this quarter: £{latest.pooled_gbp / 1e6:,.1f}m")


def test_every_series_drawn_has_its_fixed_colour(pooled_file: Path) -> None:
    """(A baseline drawn as one line or bar is grey, outside the colour scale: see the legend test.)"""
    place = stepped(pooled_file, 2)
    for build in views.PANELS:
        for chart in build(place).charts:
            by = {layer["encoding"]["color"]["field"] for layer in chart.spec["layer"] if "color" in layer["encoding"]}
            mine = [row for row in chart.values if row.get("place") != BASELINE or by == {"place"}]
            drawn = {row[field] for row in mine for field in by or {"series"}}
            assert drawn and drawn <= coloured(chart), build.__name__


def test_every_chart_draws_the_baseline_with_its_own_legend_entry(pooled_file: Path) -> None:
    place = stepped(pooled_file, 2)
    for build in views.PANELS:
        for chart in build(place).charts:
            entries = legends(chart, "strokeDash") | legends(chart, "color")
            assert BASELINE in entries, build.__name__
            drawn_for = {row.get("place") for row in chart.values} | {
                d.get("place") for layer in chart.spec["layer"] for d in layer.get("data", {}).get("values", [])
            }
            assert BASELINE in drawn_for or build is views.baseline_panel, build.__name__


def test_your_place_and_the_baseline_have_legend_marks_of_their_own(pooled_file: Path) -> None:
    chart = views.shares_panel(stepped(pooled_file, 1)).charts[0]
    dash = chart.spec["layer"][0]["encoding"]["strokeDash"]
    assert dash["field"] == "place" and dash["scale"]["domain"] == [YOURS, BASELINE]
    assert dash["scale"]["range"][0] != dash["scale"]["range"][1] and dash["legend"]["symbolType"] == "stroke"
    assert chart.spec["layer"][0]["encoding"]["color"]["field"] == "series"  # acute / prevention, not the place


def test_without_the_comparison_no_chart_names_the_baseline(pooled_file: Path) -> None:
    place = stepped(pooled_file, 2, compare_with_silo=False)
    for build in views.PANELS:
        for chart in build(place).charts:
            assert BASELINE not in json.dumps(chart.spec) + json.dumps(chart.values), build.__name__


def test_the_count_draws_every_pound_spent_this_quarter_and_the_baselines_beside_it(pooled_file: Path) -> None:
    place = stepped(pooled_file, 1)
    rows = views.count_panel(place).charts[0].values
    yours = [row for row in rows if row["place"] == YOURS]
    baseline = [row for row in rows if row["place"] == BASELINE]
    assert sum(row["value"] for row in yours) == pytest.approx(place.history[-1].total_spend_gbp / 1e6, abs=0.01)
    baseline_spend = place.baseline_history[-1].total_spend_gbp / 1e6
    assert sum(row["value"] for row in baseline) == pytest.approx(baseline_spend, abs=0.01)
    assert {row["series"] for row in yours} >= {"council", "nhs", "pool"}
    assert views.count_panel(place).charts[0].spec["layer"][0]["encoding"]["color"]["scale"]["range"][-1] == GREY


def test_lines_grow_by_one_point_per_series_and_place_each_quarter(pooled_file: Path) -> None:
    place = stepped(pooled_file, 3)
    rows = views.crises_panel(place).charts[0].values
    assert len(rows) == 2 * 3 * len(place.scenario.domains)
    assert {row["quarter"] for row in rows} == {1, 2, 3}


def test_the_pool_view_shows_money_in_above_zero_and_out_below_on_one_axis(pooled_file: Path) -> None:
    place = stepped(pooled_file, 3)
    chart = views.pool_panel(place).charts[0]
    latest = place.history[-1]
    at_3 = {row["series"]: row["value"] for row in chart.values if row["quarter"] == 3 and row["place"] == YOURS}
    assert at_3[views.PAID_IN] == pytest.approx(latest.pooled_gbp / 1e6, abs=0.001)
    assert at_3["packages"] == pytest.approx(-latest.pool_spent_gbp["pool_prevention"] / 1e6, abs=0.001)
    assert at_3[views.POOL_BALANCE] == pytest.approx(latest.pool_balance_gbp / 1e6, abs=0.001)
    assert "resolve" not in chart.spec  # one y axis: flows and balance in the same £m


def test_the_pool_view_says_there_is_no_pool_under_silo(silo_file: Path) -> None:
    assert views.pool_panel(stepped(silo_file, 1)).lines[0].startswith("No pool under pool rule silo")


def test_the_baseline_view_explains_itself_when_it_is_off(pooled_file: Path) -> None:
    panel = views.baseline_panel(stepped(pooled_file, 1, compare_with_silo=False))
    assert panel.lines[0].startswith(f"Tick '{controls.COMPARE_LABEL}'")
    assert "your place minus the silo baseline" in panel.lines[0]


def test_the_baseline_view_shows_your_place_minus_the_silo_baseline(pooled_file: Path) -> None:
    place = stepped(pooled_file, 3)
    averted = sum(b.total_crises - y.total_crises for y, b in zip(place.history, place.baseline_history))
    panel = views.baseline_panel(place)
    assert panel.title.startswith("Your place minus the 2009-10 silo baseline")
    assert panel.lines[0].startswith(f"Crises averted so far: {averted:,.0f}")
    assert panel.lines[1].startswith("That is ") and "per 1,000 residents a year" in panel.lines[1]
    yours, baseline = place.history[-1], place.baseline_history[-1]
    assert f"crises {yours.total_crises - baseline.total_crises:+,.0f}" in panel.lines[2]
    crises_chart = panel.charts[0]
    assert crises_chart.values[-1] == {"quarter": 3, "series": views.AVERTED, "value": round(averted)}


def test_the_baseline_view_shows_zero_when_your_place_is_the_baseline(silo_file: Path) -> None:
    panel = views.baseline_panel(stepped(silo_file, 3))
    assert panel.lines[0] == "Crises averted so far: 0 (0.0% of the baseline's)"
    assert panel.lines[2] == "This quarter: crises +0 · wellbeing +0.0000 · spend +£0.0m · waste +£0.0m"
    assert panel.lines[3].startswith("Your place is the silo baseline itself")
    assert {row["value"] for chart in panel.charts for row in chart.values} == {0}


def test_the_outcomes_against_the_baseline_come_first(pooled_file: Path) -> None:
    assert views.PANELS[0] is views.baseline_panel
    assert len(views.PANELS) == len(set(views.PANELS)) == 8
    assert all(len(tab.panels) == 4 for tab in views.TABS)


def test_in_force_names_every_setting_the_place_was_built_with(pooled_file: Path) -> None:
    text = views.in_force(stepped(pooled_file, 0, pooling_rate=0.42, seed=9))
    for fragment in ("pool rule need", "pooling rate 0.42", "2,000 simulated citizens", "seed 9", "silo baseline on"):
        assert fragment in text


def test_charts_are_json_for_the_vega_lite_the_page_loads(pooled_file: Path) -> None:
    place = stepped(pooled_file, 1)
    major = charts.SCHEMA.rsplit("/v", 1)[1].split(".")[0]
    assert f"vega-lite@{major}" in NPM_PACKAGES and f"vega-lite@{major}" in LIVE_CHART_TEMPLATE
    for build in views.PANELS:
        for chart in build(place).charts:
            assert json.loads(json.dumps(chart.spec))["$schema"] == charts.SCHEMA
            assert chart.spec["data"] == {"name": charts.DATA} and json.loads(json.dumps(chart.values)) == chart.values


def test_a_charts_spec_stays_the_same_while_the_place_runs(pooled_file: Path) -> None:
    place = stepped(pooled_file, 1)
    first = [chart.spec for build in views.PANELS for chart in build(place).charts]
    place.step()
    assert [chart.spec for build in views.PANELS for chart in build(place).charts] == first
