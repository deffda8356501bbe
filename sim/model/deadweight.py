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
from typing import NamedTuple

import numpy as np

from sim.model.population import Population

HORIZON_QUARTERS = 4
ANY_DOMAIN = -1


SOURCES = ("prevention", "package")  # what treats citizens: silo prevention, the pool's packages


class Treated(NamedTuple):
    """Citizens just treated, remembered with their needs before treatment."""

    source: str
    citizens: np.ndarray
    domain: int  # the row treated, or ANY_DOMAIN for a whole-person package
    needs: np.ndarray  # [D, k] before treatment


@dataclass
class Cohort:
    """Everyone treated in one quarter, by whatever source, carried forward together: one matrix
    product a quarter for all of them, however many services treated them."""

    citizens: np.ndarray
    domains: np.ndarray  # [k] the row treated, or ANY_DOMAIN for a whole-person package
    sources: np.ndarray  # [k] index into SOURCES
    needs: np.ndarray  # [D, k] the untreated counterfactual
    reached: np.ndarray  # [k] bool: the counterfactual has reached crisis
    age: int = 0

    @classmethod
    def of(cls, treated: list[Treated]) -> Cohort:
        sizes = [t.citizens.size for t in treated]
        return cls(
            citizens=np.concatenate([t.citizens for t in treated]),
            domains=np.repeat([t.domain for t in treated], sizes),
            sources=np.repeat([SOURCES.index(t.source) for t in treated], sizes),
            needs=np.concatenate([t.needs for t in treated], axis=1),
            reached=np.zeros(sum(sizes), dtype=bool),
        )


@dataclass
class DeadweightCount:
    """Resolved cohorts so far, by source (`prevention`, `package`)."""

    treated: dict[str, int] = field(default_factory=dict)
    deadweight: dict[str, int] = field(default_factory=dict)

    def add(self, source: str, treated: int, deadweight: int) -> None:
        self.treated[source] = self.treated.get(source, 0) + treated
        self.deadweight[source] = self.deadweight.get(source, 0) + deadweight


class Counterfactuals:
    """The open cohorts of one run (at most one per quarter of the horizon), the citizens treated
    since the last quarter's advance, and the deadweight of the cohorts resolved."""

    def __init__(self) -> None:
        self.added: list[Treated] = []
        self.open: list[Cohort] = []
        self.resolved = DeadweightCount()

    def take_resolved(self) -> DeadweightCount:
        """The cohorts resolved since the last call (the recorder takes them each quarter)."""
        resolved, self.resolved = self.resolved, DeadweightCount()
        return resolved

    def add(self, source: str, population: Population, citizens: np.ndarray, domain: int) -> None:
        """Remember `citizens` before treatment (call before their need is reduced)."""
        if citizens.size == 0:
            return
        if source not in SOURCES:
            raise ValueError(f"unknown source of treatment {source!r}: one of {', '.join(SOURCES)}")
        self.added.append(Treated(source, citizens.copy(), domain, population.needs[:, citizens].copy()))

    def advance(self, population: Population) -> None:
        """One quarter for every open cohort, after the population has evolved; resolve a year-old cohort.
        Those treated since the last advance join as this quarter's new cohort."""
        if self.added:
            self.open.append(Cohort.of(self.added))
            self.added = []
        still_open = []
        for cohort in self.open:
            ids = cohort.citizens
            step = population.transition @ cohort.needs
            step += population.pull[:, ids] + population.last_noise[:, ids]
            np.clip(step, 0.0, 1.0, out=cohort.needs)
            crisis = cohort.needs >= population.crisis_threshold[:, None]
            in_treated_domain = crisis[np.maximum(cohort.domains, 0), np.arange(ids.size)]
            cohort.reached |= np.where(cohort.domains == ANY_DOMAIN, crisis.any(axis=0), in_treated_domain)
            cohort.age += 1
            if cohort.age >= HORIZON_QUARTERS:
                self.resolve(cohort)
            else:
                still_open.append(cohort)
        self.open = still_open

    def resolve(self, cohort: Cohort) -> None:
        """Count a year-old cohort's treated and deadweight (never reached crisis), by source."""
        treated = np.bincount(cohort.sources, minlength=len(SOURCES))
        deadweight = np.bincount(cohort.sources[~cohort.reached], minlength=len(SOURCES))
        for index, source in enumerate(SOURCES):
            if treated[index]:
                self.resolved.add(source, int(treated[index]), int(deadweight[index]))
