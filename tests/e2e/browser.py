"""A real headless Chromium for end-to-end tests: Debian's /usr/bin/chromium driven by Playwright.

Never a downloaded browser: Playwright launches the system binary. Where it is missing the
browser tests skip with a message saying how to install it (`make test` installs it on Debian).
The flags keep Chromium off the network this machine does not have.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium_missing_reason() -> str | None:
    """Why browser tests cannot run here, or None when they can."""
    if not CHROMIUM.exists():
        return f"{CHROMIUM} not found: install Debian's chromium (`apt-get install chromium`, done by `make test`)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "playwright not installed: `pip install -e '.[test]'`"
    return None


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    """One headless Chromium for the session."""
    reason = chromium_missing_reason()
    if reason:
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_FLAGS)
        yield launched
        launched.close()


@pytest.fixture
def page(browser, tmp_path: Path) -> Iterator[object]:
    """A fresh page that records console errors in `page.console_errors`."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    new_page = context.new_page()
    new_page.console_errors = []
    new_page.on("console", lambda message: message.type == "error" and new_page.console_errors.append(message.text))
    new_page.on("pageerror", lambda error: new_page.console_errors.append(str(error)))
    yield new_page
    context.close()


def is_blank(png: bytes) -> bool:
    """True when a screenshot has (almost) a single colour."""
    from io import BytesIO

    from matplotlib import image

    pixels = image.imread(BytesIO(png), format="png")[..., :3]
    return float(pixels.std()) < 0.01
