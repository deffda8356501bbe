"""Take the app's screenshot for docs/app.md: `placesim app` served in a subprocess, Debian's
Chromium (headless, through Playwright, never a downloaded browser) at 1400x1000, a scenario
stepped some quarters beside the silo baseline (on by default), the first tab in view.

    .venv/bin/python docs/screenshot_app.py                          # -> results/figures/app.png
    .venv/bin/python docs/screenshot_app.py --out docs/figures/app.png --force

The docs' copy is replaced only when asked (`--out` to it and `--force`), as by docs/make_figures.py.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run as a script from anywhere: the app and its browser helpers

from playwright.sync_api import sync_playwright  # noqa: E402

from sim.app.server import app_in_background  # noqa: E402
from tests.e2e.app_page import AppPage  # noqa: E402
from tests.e2e.browser import CHROMIUM, CHROMIUM_FLAGS  # noqa: E402

VIEWPORT = {"width": 1400, "height": 1000}
SETTLE_MS = 1500  # the last step's charts redrawn


def screenshot(scenario: Path, quarters: int, tab: str | None, out: Path) -> None:
    with app_in_background(scenario) as (url, _log), sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_FLAGS)
        try:
            page = browser.new_page(viewport=VIEWPORT)
            app = AppPage(page, url).open()
            app.step(quarters)
            if tab:
                app.show_tab(tab)
            page.wait_for_timeout(SETTLE_MS)
            page.screenshot(path=str(out))
        finally:
            browser.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scenario", type=Path, default=ROOT / "scenarios" / "devolved.yaml")
    parser.add_argument("--quarters", type=int, default=12, help="quarters to step before the picture")
    parser.add_argument("--tab", help="the label of a tab to show instead of the first")
    parser.add_argument("--out", type=Path, default=ROOT / "results" / "figures" / "app.png", help="PNG to write")
    parser.add_argument("--force", action="store_true", help="replace --out if it exists")
    args = parser.parse_args()
    if args.out.exists() and not args.force:
        parser.error(f"{args.out} exists; pass --force to replace it, or choose another --out")
    if not CHROMIUM.exists():
        parser.error(f"{CHROMIUM} not found: install Debian's chromium (`make browser`)")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    screenshot(args.scenario.resolve(), args.quarters, args.tab, args.out)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
