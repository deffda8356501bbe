"""The browser app end to end: `placesim app` serves it on loopback in a subprocess, Debian's
Chromium drives it like a student, and the tests read the numbers the views print."""

from __future__ import annotations

import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from sim.app.browser_files import cache_folder, missing
from sim.app.controls import COMPARE_LABEL
from sim.app.server import app_in_background
from tests.e2e.app_page import AppPage
from tests.e2e.browser import chromium_missing_reason, is_blank

expect = pytest.importorskip(
    "playwright.sync_api", reason="playwright not installed: `pip install -e '.[test]'`"
).expect

ROOT = Path(__file__).resolve().parents[2]
POOLED = ROOT / "scenarios" / "pooled.yaml"
CRISES = "Crises per quarter by domain (residents)"
DIFFERENCE = "Your place minus the 2009-10 silo baseline (same seed)"
DOMAINS = 7
FIRST_TAB = "Outcomes: your place and the baseline"
SECOND_TAB = "Money, the pool and culture"
VIEW_TITLES = {
    FIRST_TAB: [
        DIFFERENCE,
        CRISES,
        "Wellbeing (1 - mean need, 0 to 1)",
        "Acute response vs prevention, share of spend",
    ],
    SECOND_TAB: [
        "The count: spend this quarter by domain and agency",
        "Waste: duplicated assessment and pool governance",
        "The pool: money in and out each quarter, and its balance",
        "Collaboration tendency by agency (0 to 1)",
    ],
}
BASELINE = "2009-10 silo baseline"
RING_FENCE = "Ring-fence share (1 = all ring-fenced)"
SLIDERS = {
    "pooling_rate": "Pooling rate (share of flexible income)",
    "ring_fence_share": RING_FENCE,
    "target_pressure": "Silo target pressure",
    "budget_growth": "Budget growth per year",
    "collaboration": "Initial collaboration (agencies' mean)",
    "seed": "Seed",
}
DEVELOPER_TEXT = ["This website runs on", "Use Threads", "Page 0", "PAGE 0", "Play Interval", "Render Interval"]

RUNNING_PAST_STEP_2 = """[...document.querySelectorAll('span, div')].some(
    e => /^Step: \\d+$/.test(e.textContent.trim()) && Number(e.textContent.trim().slice(6)) >= 3)"""


@pytest.fixture(scope="module")
def served() -> Iterator[tuple[str, Path]]:
    """The app serving scenarios/pooled.yaml: (its address, the server's log)."""
    reason = chromium_missing_reason()
    if reason:
        pytest.skip(reason)
    with app_in_background(POOLED) as (url, log):
        absent = missing(cache_folder())
        if absent:
            pytest.skip(f"solara's browser files {absent} are not in {cache_folder()} and npm could not fetch them")
        yield url, log


@pytest.fixture
def app(served, page) -> AppPage:
    url, _ = served
    page.failed_requests = []
    page.on("response", lambda response: response.status >= 400 and page.failed_requests.append(response.url))
    return AppPage(page, url).open()


def test_the_command_prints_the_address_it_serves(served) -> None:
    url, log = served
    announcement = re.compile(rf"placesim app: {re.escape(url)} \(pooled\.yaml")
    deadline = time.monotonic() + 10  # it is printed once the page answers, as the fixture saw
    while not announcement.search(log.read_text()) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert announcement.search(log.read_text()), log.read_text()


def test_page_loads_every_view_without_console_errors(app) -> None:
    for title in VIEW_TITLES[FIRST_TAB]:
        assert app.page.get_by_text(title, exact=True).is_visible(), title
    assert app.page.locator(".placesim-chart svg.marks").count() == 9  # the difference view draws two
    assert "pool rule need · pooling rate 0.15" in app.in_force()
    assert not app.page.console_errors
    assert not app.page.failed_requests
    assert not is_blank(app.page.screenshot())


TAB_DRAWN_MS = 10_000


def test_every_view_is_on_the_first_screen_or_one_tab_away(app) -> None:
    def on_screen(title: str) -> bool:
        """Shown (waiting for a tab just brought up to draw, on a loaded machine) and above the fold."""
        view = app.page.get_by_text(title, exact=True)
        view.wait_for(state="visible", timeout=TAB_DRAWN_MS)
        box = view.bounding_box()
        return box is not None and box["y"] + box["height"] < 1000

    assert all(on_screen(title) for title in VIEW_TITLES[FIRST_TAB])
    assert not any(app.page.get_by_text(title, exact=True).is_visible() for title in VIEW_TITLES[SECOND_TAB])
    app.show_tab(SECOND_TAB)
    assert all(on_screen(title) for title in VIEW_TITLES[SECOND_TAB])
    assert not app.page.console_errors


def test_the_comparison_is_on_from_the_start_and_its_view_comes_first(app) -> None:
    assert "silo baseline on" in app.in_force()
    assert app.page.locator(".placesim-title").first.inner_text() == DIFFERENCE
    app.step()
    assert app.readout("Crises averted so far:")


def test_no_solara_badge_and_no_developer_controls(app) -> None:
    for text in DEVELOPER_TEXT:
        assert app.page.get_by_text(text).filter(visible=True).count() == 0, text


def test_every_slider_shows_its_value_without_dragging_on_a_wide_track(app) -> None:
    assert app.lever_value("pooling_rate") == "0.15"
    assert app.lever_value("budget_growth") == "+0% a year"
    sidebar = app.page.locator(".placesim-sidebar").bounding_box()
    for name, label in SLIDERS.items():
        assert app.lever(name).locator(".placesim-lever-value").is_visible(), name
        track = app.page.locator(".v-input", has=app.slider(label)).locator(".v-slider").bounding_box()
        assert track["width"] >= 0.8 * sidebar["width"] - 40, (name, track)


def test_moving_a_slider_shows_its_new_value_and_that_reset_applies_it(app) -> None:
    app.slide_to_end(RING_FENCE)
    expect(app.lever("ring_fence_share").locator(".placesim-lever-value")).to_have_text("1.00")
    expect(app.page.locator(".placesim-pending")).to_contain_text("ring fence share 1.00")
    app.reset(in_force="ring-fence share 1.00")
    expect(app.page.locator(".placesim-pending")).to_have_count(0)


def test_reset_uses_a_slider_value_set_an_instant_before_it(app) -> None:
    """Mesa's sliders sent their value through the widget's throttled state updates; Reset
    overtook the last one and built the place with the value before."""
    app.set_slider_then_reset_at_once(RING_FENCE, ["ArrowLeft", "ArrowLeft", "ArrowLeft", "End"])
    app.wait_for_in_force("ring-fence share 1.00")
    assert app.slider(RING_FENCE).get_attribute("aria-valuenow") == "1"
    app.set_slider_then_reset_at_once(RING_FENCE, ["ArrowLeft", "Home"])
    app.wait_for_in_force("ring-fence share 0.00")
    assert app.slider(RING_FENCE).get_attribute("aria-valuenow") == "0"
    assert not app.page.console_errors


def test_stepping_updates_the_views_and_reset_restores_the_start(app) -> None:
    at_start = app.readouts()
    assert app.readout("Quarter 0 of 40")
    app.step()
    first = {prefix: app.number(prefix) for prefix in ("Crises this quarter:", "Spend this quarter:", "Wellbeing:")}
    assert first["Crises this quarter:"] > 0 and first["Spend this quarter:"] > 0 and 0 < first["Wellbeing:"] < 1
    by_domain = re.findall(r"([\d,]+)", app.readout("By domain:"))
    assert sum(float(n.replace(",", "")) for n in by_domain) == pytest.approx(first["Crises this quarter:"], abs=10)
    app.step()
    assert app.readout("Quarter 2 of 40")
    assert app.number("Crises this quarter:") != first["Crises this quarter:"]
    expect(app.lines(CRISES)).to_have_count(2 * DOMAINS)  # a line per domain, yours and the baseline's
    app.reset()
    assert app.readouts() == at_start
    expect(app.lines(CRISES)).to_have_count(0)
    app.step()
    again = {prefix: app.number(prefix) for prefix in first}
    assert again == first, "the same seed and levers must give the same first quarter after Reset"
    assert not app.page.console_errors


def test_every_chart_has_a_legend_entry_for_the_baseline(app) -> None:
    app.step()
    for tab, titles in VIEW_TITLES.items():
        app.show_tab(tab)
        for title in titles:
            assert any(BASELINE in label for label in app.legend_labels(title)), title


def test_no_axis_repeats_a_tick_label_empty_or_drawn(app) -> None:
    for when in ("empty", "after a step"):
        for ticks in app.y_tick_labels():
            assert len(ticks) == len(set(ticks)), (when, ticks)
        if when == "empty":
            app.step()
    wellbeing = [ticks for ticks in app.y_tick_labels() if ticks and ticks[-1] == "1.00"]
    assert len(wellbeing) >= 2 and all(ticks[0] == "0.00" for ticks in wellbeing)  # wellbeing and collaboration, 0 to 1


def test_play_runs_until_paused(app) -> None:
    app.play()
    app.page.wait_for_function(RUNNING_PAST_STEP_2, timeout=30_000)
    app.pause()
    app.page.wait_for_timeout(600)
    stopped = app.steps
    app.page.wait_for_timeout(600)
    assert app.steps == stopped >= 3


def test_moving_a_slider_changes_what_the_views_show(app) -> None:
    app.step()
    app.show_tab(SECOND_TAB)
    pooled_before = app.number("Paid in this quarter:")
    prevention_before = float(re.search(r"prevention share: ([\d.]+)%", app.readout("Acute share:")).group(1))
    assert app.slide_to_end("Pooling rate (share of flexible income)") == 1.0
    app.reset(in_force="pooling rate 1.00")
    app.step()
    pooled_after = app.number("Paid in this quarter:")
    prevention_after = float(re.search(r"prevention share: ([\d.]+)%", app.readout("Acute share:")).group(1))
    # members pool rate x collaboration x flexible income: 1.0 instead of 0.15, capped by their balances
    assert pooled_after > 3 * pooled_before
    assert prevention_after > prevention_before


def baseline_readouts(app) -> list[str]:
    return [line for line in app.readouts() if line.startswith(f"{BASELINE}:")]


def test_compare_with_silo_shows_your_place_minus_the_baseline(app) -> None:
    app.step(2)
    yours = app.number("Crises this quarter:")
    baseline = re.search(rf"{BASELINE}: ([\d,]+) this quarter", " ".join(app.readouts())).group(1)
    this_quarter = app.number("This quarter: crises")
    assert this_quarter == pytest.approx(yours - float(baseline.replace(",", "")), abs=1)
    assert app.number("Crises averted so far:") > 0


def test_turning_the_comparison_off_explains_the_difference_view(app) -> None:
    app.tick(COMPARE_LABEL)
    app.reset(in_force="silo baseline off")
    assert app.readout(f"Tick '{COMPARE_LABEL}'")
    app.step()
    assert baseline_readouts(app) == []


def test_the_ring_fence_slider_moves_the_difference_and_not_the_baseline(app) -> None:
    app.step(2)
    baseline, difference = baseline_readouts(app), app.readout("This quarter:")
    assert len(baseline) == 7  # every view but the difference itself
    assert app.slide_to_end(RING_FENCE) == 1.0
    app.reset(in_force="ring-fence share 1.00")
    assert "silo baseline on" in app.in_force()
    app.step(2)
    assert baseline_readouts(app) == baseline
    assert app.readout("This quarter:") != difference


def test_a_lever_that_cannot_act_is_disabled_and_says_why_as_the_pool_rule_changes(app) -> None:
    assert app.lever_note("pooling_rate") == "" and app.slider(SLIDERS["pooling_rate"]).is_enabled()
    app.choose("Pool rule", "silo")  # before Reset: the sidebar follows the control
    expect(app.lever("pooling_rate").locator(".placesim-lever-note")).to_contain_text("pool rule silo")
    assert "placesim-disabled" in app.lever("pooling_rate").get_attribute("class")
    assert app.lever("gain_share").locator("input").is_disabled()
    assert "only the collaboration view" in app.lever_note("collaboration")
    app.choose("Pool rule", "invest_to_save")
    expect(app.lever("pooling_rate").locator(".placesim-lever-note")).to_have_count(0)
    assert app.lever("gain_share").locator("input").is_enabled()
    assert not app.page.console_errors


def test_picking_a_scenario_loads_its_levers(app) -> None:
    app.choose("Scenario file", "total_place_pilot.yaml")
    app.wait_for_in_force("pool rule silo")
    assert app.chosen("Pool rule") == "silo"
    assert app.steps == 0
    assert "pool rule silo" in app.lever_note("pooling_rate")


def test_the_baseline_file_against_itself_shows_no_difference(app) -> None:
    app.choose("Scenario file", "total_place_pilot.yaml")
    app.wait_for_in_force("pool rule silo")
    app.step(2)
    assert app.readout("Crises averted so far:") == "Crises averted so far: 0 (0.0% of the baseline's)"
    zero = "This quarter: crises +0 · wellbeing +0.0000 · spend +£0.0m · waste +£0.0m"
    assert app.readout("This quarter:") == zero
    assert app.readout("Your place is the silo baseline itself")


def test_a_bad_scenario_is_reported_without_starting_a_server(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(f"extends: {POOLED}\npolicy:\n  pool:\n    rate: 3\n")
    result = subprocess.run(
        [sys.executable, "-m", "sim", "app", str(bad), "--port", "1"],
        check=False,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 2, result.stderr
    assert "policy.pool.rate" in result.stderr and "Traceback" not in result.stderr


# the scenario picker's own event, as its widget sends it to the server, with any value at all
FORGED_PICK_JS = """value => { [...document.querySelectorAll('.v-select')]
    .find(e => e.textContent.includes('Scenario file')).__vue__.$emit('input', value); }"""


def test_a_forged_pick_of_a_file_outside_the_list_is_refused_and_loads_nothing(app, tmp_path: Path) -> None:
    outside = tmp_path / "outside.yaml"  # a valid scenario, but not one the app offered
    outside.write_text(f"extends: {POOLED}\npolicy:\n  pool:\n    rule: invest_to_save\n")
    app.page.evaluate(FORGED_PICK_JS, str(outside))  # what a browser may send, whatever the list says
    app.page.wait_for_function(
        "document.querySelector('.placesim-refused') || !document.querySelector('.placesim-in-force')"
        ".textContent.includes('pool rule need')",
        timeout=30_000,
    )
    assert "pool rule need" in app.in_force(), "the outside file was loaded"
    assert "not one of this app's scenarios" in app.page.locator(".placesim-refused").inner_text()
    assert app.chosen("Scenario file") == "pooled.yaml"
