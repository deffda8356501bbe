"""Silo targets: the national indicators an agency is judged on, and which it misses.

For each domain the indicator is crisis events per 1,000 residents over the last
`window_quarters` (a rolling year by default), like the national indicator set's rates. Its
target is the settled level: the indicator at the end of warm-up, falling by
`improvement_per_year` each year of the run. An agency misses a target when the indicator of
one of its duty domains is above target by more than `margin`; its target pressure is the share
of its duty domains missed (docs/ODD.md 7.22). A quarter that is merely noisier than the last
does not read as failure: only a sustained rise above the settled level does.
"""

from __future__ import annotations

from collections import deque
from typing import TYPE_CHECKING

from sim.model.capacity import STEPS_PER_YEAR
from sim.scenario.schema import SiloTargets

if TYPE_CHECKING:
    from sim.model.agencies import ServiceAgency
    from sim.model.crises import CrisisReport


class Indicators:
    """Rolling crisis-event rates per domain and their targets."""

    def __init__(self, domains: list[str], residents: int, weight: float, settings: SiloTargets):
        self.settings = settings
        self.per_thousand = weight * 1000.0 / residents
        self.recent = {d: deque(maxlen=settings.window_quarters) for d in domains}
        self.settled: dict[str, float] = {}

    def record(self, crises: CrisisReport) -> None:
        """Add this quarter's events (simulated citizens')."""
        for domain, recent in self.recent.items():
            recent.append(crises.counts[domain])

    def value(self, domain: str) -> float:
        """Crisis events per 1,000 residents over the window (scaled up if the window is not yet full)."""
        recent = self.recent[domain]
        if not recent:
            return 0.0
        return sum(recent) * self.per_thousand * self.settings.window_quarters / len(recent)

    def settle(self) -> None:
        """Fix each target's base at the indicator's current (settled) level."""
        self.settled = {d: self.value(d) for d in self.recent}

    def target(self, domain: str, step: int) -> float:
        """This year's target: the settled level, less `improvement_per_year` for each year begun since."""
        years_elapsed = max(0, (step - 1) // STEPS_PER_YEAR)
        return self.settled.get(domain, 0.0) * (1.0 - self.settings.improvement_per_year) ** years_elapsed

    def missed(self, domain: str, step: int) -> bool:
        target = self.target(domain, step)
        return target > 0 and self.value(domain) > target * (1.0 + self.settings.margin)

    def missed_share(self, agency: ServiceAgency, step: int) -> float:
        """Share of the agency's duty domains whose indicator missed its target."""
        if not agency.duties:
            return 0.0
        return sum(self.missed(d, step) for d in agency.duties) / len(agency.duties)
