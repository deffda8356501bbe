"""Driving the served app in a browser: the controls by their labels, the views by their
readouts. Shared by tests/e2e/test_app.py and benchmarks/app_step.py."""

from __future__ import annotations

import re

from playwright.sync_api import TimeoutError as PlaywrightTimeout

FIRST_LOAD_MS = 60_000  # the first page of a fresh server imports the model and draws nine charts
STEP_MS = 30_000
VIEWS = 8
CHARTS = 9  # the difference view draws two
READOUT = ".placesim-readout"
IN_FORCE = ".placesim-in-force"

# Click Step and time it in the page: until every view shows the new quarter ("shown"), and
# until the page stops changing for QUIET_MS ("settled": every chart redrawn).
TIMED_STEP_JS = """
async ([quiet, views]) => {
  const counter = [...document.querySelectorAll('span, div')].find(e => /^Step: \\d+$/.test(e.textContent.trim()));
  const next = Number(counter.textContent.trim().slice(6)) + 1;
  const button = [...document.querySelectorAll('button')].find(b => b.textContent.trim() === 'Step');
  let last = performance.now();
  const observer = new MutationObserver(() => { last = performance.now(); });
  observer.observe(document.body, {subtree: true, childList: true, characterData: true, attributes: true});
  const start = performance.now();
  button.click();
  while (document.querySelectorAll(`.placesim-panel.quarter-${next}`).length < views) await new Promise(r => setTimeout(r, 2));
  const shown = performance.now() - start;
  while (performance.now() - last < quiet) await new Promise(r => setTimeout(r, 10));
  observer.disconnect();
  return {shown_ms: shown, settled_ms: last - start};
}
"""
QUIET_MS = 400

Y_TICKS_JS = """() => [...document.querySelectorAll('.placesim-chart g.role-axis')]
  .filter(axis => (axis.getAttribute('aria-label') || '').startsWith('Y-axis'))
  .map(axis => [...axis.querySelectorAll('g.role-axis-label text')].map(t => t.textContent))"""

KEY_CODES = {"ArrowLeft": 37, "ArrowRight": 39, "End": 35, "Home": 36}
KEYS_THEN_RESET_JS = f"""([label, keys]) => {{
  const codes = {KEY_CODES};
  const thumb = [...document.querySelectorAll('[role=slider]')].find(e => e.getAttribute('aria-label') === label);
  for (const key of keys) {{
    thumb.dispatchEvent(new KeyboardEvent('keydown', {{key, keyCode: codes[key], bubbles: true}}));
  }}
  [...document.querySelectorAll('button')].find(b => b.textContent.trim() === 'Reset').click();
}}"""


class AppPage:
    """The app as a student sees it, through a Playwright page."""

    def __init__(self, page, url: str):
        self.page = page
        self.url = url

    def open(self) -> AppPage:
        self.page.goto(self.url)
        self.page.get_by_text("Step: 0", exact=True).wait_for(timeout=FIRST_LOAD_MS)
        self.wait_for_charts()
        return self

    def wait_for_charts(self) -> None:
        self.page.wait_for_function(
            f"document.querySelectorAll('.placesim-chart svg.marks').length === {CHARTS}", timeout=FIRST_LOAD_MS
        )

    @property
    def steps(self) -> int:
        text = self.page.get_by_text(re.compile(r"^Step: \d+$")).inner_text()
        return int(text.split(":")[1])

    def wait_for_views(self, quarter: int) -> None:
        """Until every view shows `quarter` (they update one after another)."""
        self.page.wait_for_function(
            f"document.querySelectorAll('.placesim-panel.quarter-{quarter}').length === {VIEWS}", timeout=STEP_MS
        )

    def step(self, times: int = 1) -> None:
        for _ in range(times):
            after = self.steps + 1
            self.page.get_by_role("button", name="Step").click()
            self.page.get_by_text(f"Step: {after}", exact=True).wait_for(timeout=STEP_MS)
            self.wait_for_views(after)

    def timed_step(self) -> dict[str, float]:
        return self.page.evaluate(TIMED_STEP_JS, [QUIET_MS, VIEWS])

    def reset(self, in_force: str = "") -> None:
        """Press Reset; wait for step 0 and, when given, for `in_force` among the settings in force
        (at step 0 already, only the new settings show that the new place is there)."""
        self.page.get_by_role("button", name="Reset").click()
        self.page.get_by_text("Step: 0", exact=True).wait_for(timeout=STEP_MS)
        self.wait_for_views(0)
        if in_force:
            self.page.locator(IN_FORCE, has_text=in_force).wait_for(timeout=STEP_MS)

    def show_tab(self, label: str) -> None:
        """Bring the tab of views named `label` to the front."""
        self.page.get_by_role("tab", name=label).click()
        self.page.locator(".placesim-tab-page:not(.placesim-hidden) .placesim-panel").first.wait_for(timeout=STEP_MS)

    def play(self) -> None:
        self.page.get_by_role("button", name="▶").click()

    def pause(self) -> None:
        self.page.get_by_role("button", name="❚❚").click()

    def slider(self, label: str):
        return self.page.get_by_role("slider", name=label)

    def slide_to_end(self, label: str) -> float:
        slider = self.slider(label)
        slider.focus()
        slider.press("End")
        return float(slider.get_attribute("aria-valuenow"))

    def tick(self, label: str) -> None:
        self.page.get_by_text(label, exact=True).click()

    def choose(self, label: str, option: str) -> None:
        self.page.locator(".v-select", has_text=label).click()
        menu = self.page.locator(".v-menu__content.menuable__content__active")
        menu.locator(".v-list-item").filter(has_text=re.compile(f"^{re.escape(option)}$")).click()

    def chosen(self, label: str) -> str:
        return self.page.locator(".v-select", has_text=label).locator(".v-select__selection").inner_text()

    def panel(self, view_title: str):
        return self.page.locator(".placesim-panel").filter(has_text=view_title)

    def lines(self, view_title: str):
        """The lines a view's charts draw (one per series and place; legend symbols left out)."""
        return self.panel(view_title).locator(".placesim-chart g.mark-line.role-mark path")

    def legend_labels(self, view_title: str) -> list[str]:
        return self.panel(view_title).locator(".placesim-chart g.role-legend text").all_text_contents()

    def y_tick_labels(self) -> list[list[str]]:
        """The tick labels of every chart's y axes, one list per axis."""
        return self.page.evaluate(Y_TICKS_JS)

    def lever(self, name: str):
        """A lever's block in the sidebar (label, value, control, note), by its `AppPlace` keyword."""
        return self.page.locator(f".placesim-lever.lever-{name}")

    def lever_value(self, name: str) -> str:
        return self.lever(name).locator(".placesim-lever-value").inner_text()

    def lever_note(self, name: str) -> str:
        note = self.lever(name).locator(".placesim-lever-note")
        return note.inner_text() if note.count() else ""

    def set_slider_then_reset_at_once(self, label: str, keys: list[str]) -> None:
        """Press `keys` on a slider and click Reset in the same instant, quicker than any hand: the
        slider's later values are still on their way to the server when Reset is clicked."""
        self.page.evaluate(KEYS_THEN_RESET_JS, [label, keys])

    def readouts(self) -> list[str]:
        """Every readout line, of both tabs (the hidden tab's too: its views are on the page)."""
        return [text.strip() for text in self.page.locator(READOUT).all_text_contents()]

    def readout(self, prefix: str) -> str:
        """The first readout line starting with `prefix`, waiting for it: after a scenario is
        picked the views are rebuilt, and for a moment there are none."""
        line = self.page.locator(READOUT).filter(has_text=re.compile(f"^{re.escape(prefix)}")).first
        try:
            line.wait_for(state="attached", timeout=STEP_MS)
        except PlaywrightTimeout:
            raise AssertionError(f"no readout starts with {prefix!r}; readouts: {self.readouts()}") from None
        return line.text_content().strip()

    def number(self, prefix: str) -> float:
        """The first number after `prefix` in its readout (£m figures in £m, counts as counts)."""
        rest = self.readout(prefix)[len(prefix) :]
        match = re.search(r"[-+]?£?[\d,]+(?:\.\d+)?", rest)
        assert match, f"no number in {rest!r}"
        return float(match.group().replace("£", "").replace(",", ""))

    def in_force(self) -> str:
        return self.page.locator(IN_FORCE).inner_text()

    def wait_for_in_force(self, text: str) -> None:
        self.page.locator(IN_FORCE, has_text=text).wait_for(timeout=STEP_MS)
