"""Time per step in the served app, as a student meets it: `placesim app` in a subprocess, Debian's
Chromium (headless, through Playwright) clicking Step.

For each setting (simulated citizens x silo baseline off or on) the app is Reset and stepped; each
step is timed in the page from the click:

- shown: until all eight views show the new quarter (the model has stepped on the server, the
  views have been redrawn there and their text has reached the browser);
- settled: until the last change to the page before it stays unchanged for 0.4 s (every chart
  redrawn by vega in the browser);
- model: the model's own time for the step, baseline included, as the app reports it.

Medians and maxima over the steps. Run from the repository root:

    .venv/bin/python -m benchmarks.app_step                      # 10,000 and 100,000 citizens, 10 steps
    .venv/bin/python -m benchmarks.app_step --screenshot docs/figures/app.png

The machine should be otherwise quiet: the server, the browser and the model share its cores.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import statistics
from pathlib import Path

from playwright.sync_api import sync_playwright

from sim.app.controls import COMPARE_LABEL, DEFAULT_POPULATION_SAMPLE
from sim.app.server import app_in_background
from tests.e2e.app_page import AppPage
from tests.e2e.browser import CHROMIUM, CHROMIUM_FLAGS

ROOT = Path(__file__).resolve().parents[1]
VIEWPORT = {"width": 1400, "height": 1750}  # tall enough for all eight views at once


def configure(app: AppPage, sample: int, twin: bool) -> None:
    """Set the number of simulated citizens and the silo baseline alongside, then Reset."""
    if f"{sample:,} simulated citizens" not in app.in_force():
        app.choose("Simulated citizens", str(sample))
    if ("silo baseline on" in app.in_force()) != twin:
        app.tick(COMPARE_LABEL)
    app.reset(in_force=f"{sample:,} simulated citizens · seed")
    app.wait_for_in_force(f"silo baseline {'on' if twin else 'off'}")


def time_steps(app: AppPage, steps: int) -> dict[str, list[float]]:
    timings: dict[str, list[float]] = {"shown": [], "settled": [], "model": []}
    for _ in range(steps):
        timed = app.timed_step()
        timings["shown"].append(timed["shown_ms"])
        timings["settled"].append(max(timed["settled_ms"], timed["shown_ms"]))  # both are polled
        model_ms = re.search(r"last step ([\d,]+) ms in the model", app.readout("Quarter"))
        timings["model"].append(float(model_ms.group(1).replace(",", "")))
    return timings


def row(sample: int, twin: bool, timings: dict[str, list[float]]) -> str:
    cells = [
        f"{statistics.median(v):,.0f} / {max(v):,.0f}" for v in (timings["shown"], timings["settled"], timings["model"])
    ]
    return f"| {sample:,} | {'on' if twin else 'off'} | " + " | ".join(cells) + " |"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scenario", type=Path, default=ROOT / "scenarios" / "pooled.yaml")
    parser.add_argument("--samples", type=int, nargs="+", default=[DEFAULT_POPULATION_SAMPLE, 100_000])
    parser.add_argument("--steps", type=int, default=10, help="timed steps per setting")
    parser.add_argument("--screenshot", type=Path, help="also save the app after 12 quarters with the silo baseline")
    args = parser.parse_args()

    lines = [
        f"App step times (ms, median / max over {args.steps} steps), {args.scenario.name}, "
        f"{os.cpu_count()} cores ({platform.processor() or platform.machine()}), load average "
        + " ".join(f"{x:.2f}" for x in os.getloadavg()),
        "",
        "| simulated citizens | silo baseline | shown | settled | model |",
        "|---:|:---:|---:|---:|---:|",
    ]
    with app_in_background(args.scenario) as (url, _), sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_FLAGS)
        page = browser.new_page(viewport=VIEWPORT)
        app = AppPage(page, url).open()
        for sample in args.samples:
            for twin in (False, True):
                configure(app, sample, twin)
                timings = time_steps(app, args.steps)
                assert any(line.startswith("2009-10 silo baseline:") for line in app.readouts()) == twin
                lines.append(row(sample, twin, timings))
                print(lines[-1], flush=True)
        if args.screenshot:
            configure(app, DEFAULT_POPULATION_SAMPLE, twin=True)
            app.step(12)
            page.wait_for_timeout(1000)
            args.screenshot.parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(args.screenshot))
            lines.append(f"\nScreenshot: {args.screenshot}")
        browser.close()
    print("\n".join(lines))


if __name__ == "__main__":
    main()
