"""The report as a reader sees it: `placesim sweep` then `placesim report` in subprocesses, and the
page opened in a real headless Chromium (Debian's, driven by Playwright)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.analysis.conftest import SCENARIOS
from tests.e2e.browser import is_blank
from tests.experiment.conftest import experiment_file


@pytest.fixture(scope="module")
def report_page(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("report")
    experiment = experiment_file(folder, SCENARIOS, "browser")
    out = folder / "results"
    cli = [sys.executable, "-m", "sim"]
    subprocess.run([*cli, "sweep", str(experiment), "--out", str(out), "--workers", "1"], check=True, capture_output=True)
    finished = subprocess.run([*cli, "report", str(out)], check=True, capture_output=True, text=True)
    assert f"Report: {(out / 'report.html').resolve()}" in finished.stdout.replace("\n", "")
    assert "Headline" in finished.stdout
    return out / "report.html"


DRAWN = "[...document.querySelectorAll('div.vega')].every(d => d.querySelector('svg.marks'))"


def test_every_interactive_figure_is_drawn_offline_without_console_errors(page, report_page: Path) -> None:
    page.goto(report_page.as_uri())
    page.wait_for_function(DRAWN, timeout=30_000)
    charts = page.eval_on_selector_all("div.vega", "ds => ds.map(d => [d.id, d.querySelector('svg.marks').getBBox().width])")
    names = {name.removeprefix("chart-") for name, _ in charts}
    assert {"count_by_agency", "crises_by_domain", "paired_differences", "spread_of_runs", "cost_effectiveness",
            "crises_difference", "who_saves", "between_money_used_gbp", "payback"} <= names  # fmt: skip
    assert all(width > 100 for _, width in charts), charts
    assert page.console_errors == []


def test_a_figure_shows_values_on_hover_and_offers_png_and_svg_export(page, report_page: Path) -> None:
    page.goto(report_page.as_uri())
    page.wait_for_function(DRAWN, timeout=30_000)
    chart = page.locator("#chart-cost_effectiveness")
    chart.locator("summary").click()  # vega-embed's ... menu
    actions = chart.locator(".vega-actions a").all_inner_texts()
    assert any("PNG" in a for a in actions) and any("SVG" in a for a in actions)
    page.keyboard.press("Escape")
    dot = chart.locator("path[aria-roledescription='point']").first
    dot.hover(force=True)
    page.wait_for_selector("#vg-tooltip-element.visible", timeout=5_000)
    assert "money used" in page.inner_text("#vg-tooltip-element")


def test_the_static_figures_still_load_for_papers(page, report_page: Path) -> None:
    page.goto(report_page.as_uri())
    page.wait_for_load_state("load")
    for name in ("paired_differences", "who_saves", "payback"):
        for suffix in ("png", "svg"):
            assert (report_page.parent / "figures" / f"{name}.{suffix}").stat().st_size > 1_000
    images = page.eval_on_selector_all("img", "imgs => imgs.map(i => [i.getAttribute('src'), i.complete, i.naturalWidth])")
    broken = [src for src, complete, width in images if not complete or width == 0]
    assert broken == []


def test_the_report_page_shows_its_summary_and_headline_and_is_not_blank(page, report_page: Path) -> None:
    page.goto(report_page.as_uri())
    assert "In short" in page.inner_text("body")
    assert page.locator("table").first.is_visible()
    assert "Saving against silo, £m a year" in page.locator("p.lead").inner_text()
    assert "Too few replications to test" in page.locator("p.warning").inner_text()
    first_screen = page.locator("table.headline").bounding_box()
    assert first_screen is not None and first_screen["y"] < 1000  # the headline table is on the first screen
    assert not is_blank(page.screenshot(full_page=False))
