"""Deadweight: how many of those treated would not have reached crisis within a year anyway.

When prevention or a package treats citizens, their untreated needs are copied into a cohort and
carried forward as a counterfactual: each later quarter the copy takes the same step as the
population (the same transition, baseline pull and the very shocks the citizens themselves
draw), with no help of any kind. After `HORIZON_QUARTERS` the cohort resolves: a treated citizen
whose counterfactual never reached the crisis threshold (in the domain treated; for a package,
in any domain) is deadweight. This is the paired counterfactual a trial would need, taken
citizen by citizen inside the run (docs/ODD.md 7.20).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from sim.model.population import Population

HORIZON_QUARTERS = 4
ANY_DOMAIN = -1


@dataclass
class Cohort:
    citizens: np.ndarray
    domain: int  # the row treated, or ANY_DOMAIN for a whole-person package
    needs: np.ndarray  # [D, k] the untreated counterfactual
    reached: np.ndarray  # [k] bool: the counterfactual has reached crisis
    age: int = 0


@dataclass
class DeadweightCount:
    """Resolved cohorts so far, by source (`prevention`, `package`)."""

    treated: dict[str, int] = field(default_factory=dict)
    deadweight: dict[str, int] = field(default_factory=dict)

    def add(self, source: str, treated: int, deadweight: int) -> None:
        self.treated[source] = self.treated.get(source, 0) + treated
        self.deadweight[source] = self.deadweight.get(source, 0) + deadweight


class Counterfactuals:
    """The open cohorts of one run, and the deadweight of those resolved."""

    def __init__(self) -> None:
        self.open: list[tuple[str, Cohort]] = []
        self.resolved = DeadweightCount()

    def take_resolved(self) -> DeadweightCount:
        """The cohorts resolved since the last call (the recorder takes them each quarter)."""
        resolved, self.resolved = self.resolved, DeadweightCount()
        return resolved

    def add(self, source: str, population: Population, citizens: np.ndarray, domain: int) -> None:
        """Remember `citizens` before treatment (call before their need is reduced)."""
        if citizens.size == 0:
            return
        needs = population.needs[:, citizens].copy()
        self.open.append((source, Cohort(citizens.copy(), domain, needs, np.zeros(citizens.size, dtype=bool))))

    def advance(self, population: Population) -> None:
        """One quarter for every open cohort, after the population has evolved; resolve a year-old cohort."""
        still_open = []
        for source, cohort in self.open:
            ids = cohort.citizens
            step = population.transition @ cohort.needs
            step += population.pull[:, ids] + population.last_noise[:, ids]
            np.clip(step, 0.0, 1.0, out=cohort.needs)
            crisis = cohort.needs >= population.crisis_threshold[:, None]
            cohort.reached |= crisis.any(axis=0) if cohort.domain == ANY_DOMAIN else crisis[cohort.domain]
            cohort.age += 1
            if cohort.age >= HORIZON_QUARTERS:
                self.resolved.add(source, ids.size, int((~cohort.reached).sum()))
            else:
                still_open.append((source, cohort))
        self.open = still_open
