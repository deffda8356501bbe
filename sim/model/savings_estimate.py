"""Savings as partners can see them: the business case's claim, and each member's own estimate.

Two numbers, neither of which is the saving itself (docs/ODD.md 7.21):

- **The claim.** When prevention or a package is bought, a business case prices what it will
  avoid: for each treated citizen and domain, `unit_cost / reference_severity * need * effect *
  closeness * persistence`, with closeness how far the need has moved through the prevention
  window towards the crisis threshold and persistence the quarters of payback the case counts
  (`prevention_payback_years`), as pilot business cases did [wpcb_gm]. It assumes every treated
  citizen was on the way to crisis (no deadweight) and every avoided crisis saves its full unit
  cost (no fixed capacity). `claimed_savings_gbp` adds these up.
- **The estimate.** What a member learns from and hands back under gain-share is its own acute
  spend against a projected baseline: what a silo quarter costs it at the settled state, the
  capacity it holds after warm-up plus the variable cost of its mean demand in the last warm-up
  year and its mean benefits (`ServiceAgency.settled_acute_spend_gbp`; flat: the do-nothing
  projection), less the spend of the quarter `lag_quarters` ago, times `attribution_share` (how much of any fall it puts down to the pool), plus noise of
  sd `noise_sd_share` of the baseline. A fall for any reason (rationing, a quiet quarter) reads
  as a saving, and a saving in capacity that is still paid for does not show at all.

The realised saving is neither: it is measured in experiments by the paired comparison with the
baseline (sim/analysis/paired.py), and the gap between it and the claim is a headline output.
"""

from __future__ import annotations

from collections import deque
from typing import TYPE_CHECKING

import numpy as np

from sim.model.crises import cost_per_unit_of_need
from sim.scenario.schema import SavingsEvaluation

if TYPE_CHECKING:
    from sim.model.agencies import ServiceAgency
    from sim.model.model import PlaceModel
    from sim.model.population import Population


def persistence_quarters(recovery: float, horizon_quarters: int) -> float:
    """Quarters' worth of a one-off need reduction counted within a horizon: sum_k (1 - recovery)^k."""
    if recovery <= 0:
        return float(horizon_quarters)
    return (1.0 - (1.0 - recovery) ** horizon_quarters) / recovery


def closeness_to_crisis(needs: np.ndarray, prevention: np.ndarray, crisis: np.ndarray) -> np.ndarray:
    """[D, k] in [0, 1]: 0 at the bottom of the prevention window, 1 at the crisis threshold."""
    span = (crisis - prevention)[:, None]
    closeness = (needs - prevention[:, None]) / span
    np.maximum(closeness, 0.0, out=closeness)  # np.clip's values, without its per-call overhead on small arrays
    return np.minimum(closeness, 1.0, out=closeness)


class BusinessCase:
    """Prices the avoided acute cost a purchase claims, per domain, over a horizon of quarters."""

    def __init__(self, model: PlaceModel, horizon_quarters: int):
        domains = list(model.scenario.domains.values())
        cost = np.array([cost_per_unit_of_need(d.unit_cost_gbp, d.reference_severity) for d in domains])
        persistence = np.array([persistence_quarters(d.recovery, horizon_quarters) for d in domains])
        self.value_per_need = cost * persistence  # GBP per unit of need removed, per resident
        self.population = model.population

    def avoided(self, needs: np.ndarray, effect: float) -> np.ndarray:
        """[D, k] GBP per resident the citizen stands for: value x need x effect x closeness."""
        population = self.population
        closeness = closeness_to_crisis(needs, population.prevention_threshold, population.crisis_threshold)
        return (self.value_per_need * effect)[:, None] * needs * closeness

    def claim_for_prevention(self, population: Population, row: int, citizens: np.ndarray, effect: float) -> float:
        """GBP at place scale claimed for treating `citizens` in one domain (their needs before treatment)."""
        if citizens.size == 0:
            return 0.0
        needs = population.needs[row : row + 1, citizens]
        closeness = closeness_to_crisis(needs, population.prevention_threshold[row : row + 1], population.crisis_threshold[row : row + 1])
        return float(self.value_per_need[row] * effect * (needs * closeness).sum(dtype=np.float64)) * population.weight


class ObservedSavings:
    """Each member's estimate of what the pool saves it (the module docstring's second number)."""

    def __init__(self, model: PlaceModel, settings: SavingsEvaluation):
        self.model = model
        self.settings = settings
        self.baseline = {a.agency_id: a.settled_acute_spend_gbp for a in model.agency_list}
        self.history = {a.agency_id: deque(maxlen=settings.lag_quarters + 1) for a in model.agency_list}
        self.estimates: dict[str, float] = {}

    def observe(self) -> None:
        """Take this quarter's acute spend of every member and form its estimate (lagged)."""
        self.estimates = {}
        for agency in self.model.agency_list:
            history = self.history[agency.agency_id]
            history.append(agency.acute_spend_gbp)
            if len(history) <= self.settings.lag_quarters:
                self.estimates[agency.agency_id] = 0.0  # nothing is known yet
                continue
            baseline = self.baseline[agency.agency_id]
            fall = baseline - history[0]
            noise = self.settings.noise_sd_share * baseline * self.model.rng.standard_normal()
            self.estimates[agency.agency_id] = self.settings.attribution_share * fall + noise

    def estimate(self, agency: ServiceAgency) -> float:
        return self.estimates.get(agency.agency_id, 0.0)
