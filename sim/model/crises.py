"""Crises: who is in crisis this step, what answering them costs, and the acute response.

A citizen is in crisis in a domain when its need is at or above the crisis threshold. Answering
costs `unit_cost_gbp * need / reference_severity` (the published cost of an average crisis,
scaled by severity) per simulated citizen, times its weight: the demand, at full unit cost, that
the domain's agencies share by statutory duty. The acute response removes `acute_effect` of the
need of every citizen it serves: all of them, unless the lead agency had to ration, when the
least severe crises of the unserved share go unanswered (eligibility tightens).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from sim.model.population import Population
from sim.scenario.schema import Scenario


@dataclass(frozen=True)
class CrisisReport:
    """This step's crises per domain: masks over citizens, counts, and demand at full unit cost (place scale)."""

    masks: dict[str, np.ndarray]
    counts: dict[str, int]
    demand_gbp: dict[str, float]


def cost_per_unit_of_need(domain_unit_cost_gbp: float, reference_severity: float) -> float:
    """GBP per unit of need of one crisis: the unit cost is that of a crisis of reference severity."""
    return domain_unit_cost_gbp / reference_severity


def detect_crises(population: Population, scenario: Scenario) -> CrisisReport:
    """Find every crisis and price its acute response (severity-scaled)."""
    masks, counts, costs = {}, {}, {}
    for row, (name, domain) in enumerate(scenario.domains.items()):
        mask = population.crisis_mask(row)
        severity = float(population.needs[row][mask].sum(dtype=np.float64))
        masks[name] = mask
        counts[name] = int(np.count_nonzero(mask))
        costs[name] = cost_per_unit_of_need(domain.unit_cost_gbp, domain.reference_severity) * severity * population.weight
    return CrisisReport(masks=masks, counts=counts, demand_gbp=costs)


def served_crises(need: np.ndarray, mask: np.ndarray, unserved_share: float) -> np.ndarray:
    """The crises still answered when `unserved_share` of their severity cannot be paid for: the
    least severe go unanswered first."""
    if unserved_share <= 0.0:
        return mask
    in_crisis = np.flatnonzero(mask)
    severity = need[in_crisis].astype(np.float64)
    order = np.argsort(severity, kind="stable")
    cumulative = np.cumsum(severity[order])
    dropped = int(np.searchsorted(cumulative, unserved_share * cumulative[-1] if cumulative.size else 0.0, side="right"))
    served = mask.copy()
    served[in_crisis[order[:dropped]]] = False
    return served


def stabilise(
    population: Population, scenario: Scenario, report: CrisisReport, unserved: Mapping[str, float] | None = None
) -> None:
    """The acute response removes `acute_effect` of the need of every crisis it serves."""
    unserved = unserved or {}
    for row, (name, domain) in enumerate(scenario.domains.items()):
        served = served_crises(population.needs[row], report.masks[name], unserved.get(name, 0.0))
        population.reduce_need(row, served, domain.acute_effect)
        population.crisis_episodes += report.masks[name]
