"""Browser fixtures for the end-to-end tests (see browser.py)."""

from tests.e2e.browser import browser, page  # noqa: F401
