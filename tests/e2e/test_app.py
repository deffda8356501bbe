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
DOMAINS = 7
VIEW_TITLES = [
    "The count: spend this quarter by domain and agency",
    "Acute response vs prevention, share of spend",
    "Crises per quarter by domain (residents)",
    "Wellbeing (1 - mean need, 0 to 1)",
    "Waste: duplicated assessment and pool governance",
    "Collaboration tendency by agency (0 to 1)",
    "The pool: balance and members",
    "Your place minus the silo baseline (2009-10, same seed)",
]
BASELINE = "2009-10 silo baseline"
RING_FENCE = "Ring-fence share (1 = all ring-fenced)"

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
    for title in VIEW_TITLES:
        assert app.page.get_by_text(title, exact=True).is_visible(), title
    assert app.page.locator(".placesim-chart svg.marks").count() == len(VIEW_TITLES)
    assert "pool rule need · pooling rate 0.15" in app.in_force()
    assert not app.page.console_errors
    assert not app.page.failed_requests
    assert not is_blank(app.page.screenshot())


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
    expect(app.points(CRISES)).to_have_count(2 * DOMAINS)  # a point per domain and quarter
    app.reset()
    assert app.readouts() == at_start
    expect(app.points(CRISES)).to_have_count(0)
    app.step()
    again = {prefix: app.number(prefix) for prefix in first}
    assert again == first, "the same seed and levers must give the same first quarter after Reset"
    assert not app.page.console_errors


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
    pooled_before = app.number("Pooled this quarter:")
    prevention_before = float(re.search(r"prevention share: ([\d.]+)%", app.readout("Acute share:")).group(1))
    assert app.slide_to_end("Pooling rate (share of flexible income)") == 1.0
    app.reset(in_force="pooling rate 1.00")
    app.step()
    pooled_after = app.number("Pooled this quarter:")
    prevention_after = float(re.search(r"prevention share: ([\d.]+)%", app.readout("Acute share:")).group(1))
    # members pool rate x collaboration x flexible income: 1.0 instead of 0.15, capped by their balances
    assert pooled_after > 3 * pooled_before
    assert prevention_after > prevention_before


def compare_with_the_baseline(app) -> None:
    assert app.readout(f"Tick '{COMPARE_LABEL}'")
    app.tick(COMPARE_LABEL)
    app.reset(in_force="silo baseline on")


def baseline_readouts(app) -> list[str]:
    return [line for line in app.readouts() if line.startswith(f"{BASELINE}:")]


def test_compare_with_silo_shows_your_place_minus_the_baseline(app) -> None:
    compare_with_the_baseline(app)
    app.step(2)
    yours = app.number("Crises this quarter:")
    baseline = re.search(rf"{BASELINE}: ([\d,]+) this quarter", " ".join(app.readouts())).group(1)
    this_quarter = app.number("This quarter: crises")
    assert this_quarter == pytest.approx(yours - float(baseline.replace(",", "")), abs=1)
    assert app.number("Crises averted so far:") > 0


def test_the_ring_fence_slider_moves_the_difference_and_not_the_baseline(app) -> None:
    compare_with_the_baseline(app)
    app.step(2)
    baseline, difference = baseline_readouts(app), app.readout("This quarter:")
    assert len(baseline) == 4  # shares, crises, wellbeing, waste
    assert app.slide_to_end(RING_FENCE) == 1.0
    app.reset(in_force="ring-fence share 1.00")
    assert "silo baseline on" in app.in_force()
    app.step(2)
    assert baseline_readouts(app) == baseline
    assert app.readout("This quarter:") != difference


def test_picking_a_scenario_loads_its_levers(app) -> None:
    app.choose("Scenario file", "total_place_pilot.yaml")
    app.wait_for_in_force("pool rule silo")
    assert app.chosen("Pool rule") == "silo"
    assert app.steps == 0


def test_the_baseline_file_against_itself_shows_no_difference(app) -> None:
    app.choose("Scenario file", "total_place_pilot.yaml")
    app.wait_for_in_force("pool rule silo")
    compare_with_the_baseline(app)
    app.step(2)
    assert app.readout("Crises averted so far:") == "Crises averted so far: 0 (0.0% of the baseline's)"
    assert app.readout("This quarter:") == "This quarter: crises +0 · wellbeing +0.0000 · spend +£0.0m · waste +£0.0m"
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
