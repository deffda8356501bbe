"""Screenshot the first screen of a report in Debian's Chromium, for docs/report.md.

    make demo                                                    # writes results/total_place/report.html
    .venv/bin/python docs/screenshot_report.py results/total_place                 # -> results/figures/report.png
    .venv/bin/python docs/screenshot_report.py results/total_place --out docs/figures/report.png --force

The window is 1400 x 1000, as a reader's laptop; `--full-page` takes the whole page. The docs'
copy is replaced only when asked (`--out` to it and `--force`). It waits until every interactive
figure is drawn and fails if the page logs an error.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

CHROMIUM = "/usr/bin/chromium"
WINDOW = {"width": 1400, "height": 1000}


def screenshot(report: Path, out: Path, full_page: bool = False) -> list[str]:
    """Save the screenshot; return the console errors the page logged (none, for a good report)."""
    errors: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True)
        page = browser.new_page(viewport=WINDOW)
        page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.goto(report.resolve().as_uri())
        page.wait_for_function("[...document.querySelectorAll('div.vega')].every(d => d.querySelector('svg'))")
        page.screenshot(path=str(out), full_page=full_page)
        browser.close()
    return errors


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("results", type=Path, help="a results folder holding report.html")
    parser.add_argument("--out", type=Path, default=Path("results/figures/report.png"))
    parser.add_argument("--force", action="store_true", help="replace --out if it exists")
    parser.add_argument("--full-page", action="store_true", help="the whole page, not the first screen")
    args = parser.parse_args()
    report = args.results / "report.html"
    if not report.is_file():
        parser.error(f"{report} does not exist: run `placesim report {args.results}` first")
    if args.out.exists() and not args.force:
        parser.error(f"{args.out} exists: pass --force to replace it")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    errors = screenshot(report, args.out, args.full_page)
    print(f"wrote {args.out}")
    for error in errors:
        print(f"console error: {error}", file=sys.stderr)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
