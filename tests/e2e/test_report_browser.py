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


def test_every_figure_of_the_report_loads_in_chromium(page, report_page: Path) -> None:
    page.goto(report_page.as_uri())
    page.wait_for_load_state("load")
    images = page.eval_on_selector_all("img", "imgs => imgs.map(i => [i.getAttribute('src'), i.complete, i.naturalWidth])")
    assert len(images) >= 8  # count x3, crises, wellbeing, paired, cost-effectiveness, collaboration
    broken = [src for src, complete, width in images if not complete or width == 0]
    assert broken == []
    assert page.console_errors == []


def test_the_report_page_shows_its_summary_and_headline_and_is_not_blank(page, report_page: Path) -> None:
    page.goto(report_page.as_uri())
    assert "In short" in page.inner_text("body")
    assert page.locator("table").first.is_visible()
    assert "pooled" in page.locator("div.summary").inner_text()
    assert not is_blank(page.screenshot(full_page=False))
