"""Crises: who is in crisis this step, what answering them costs, and the acute response.

A citizen is in crisis in a domain when its need is at or above the crisis threshold. Answering
costs `acute_cost_gbp * need` (severity-scaled) per simulated citizen, times its weight, and
removes `acute_effect` of that need. The cost is split among agencies by statutory duty.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.model.population import Population
from sim.scenario.schema import Scenario


@dataclass(frozen=True)
class CrisisReport:
    """This step's crises per domain: masks over citizens, counts and acute cost at place scale."""

    masks: dict[str, np.ndarray]
    counts: dict[str, int]
    acute_cost_gbp: dict[str, float]


def detect_crises(population: Population, scenario: Scenario) -> CrisisReport:
    """Find every crisis and price its acute response (severity-scaled)."""
    masks, counts, costs = {}, {}, {}
    for row, (name, domain) in enumerate(scenario.domains.items()):
        mask = population.crisis_mask(row)
        severity = float(population.needs[row][mask].sum(dtype=np.float64))
        masks[name] = mask
        counts[name] = int(np.count_nonzero(mask))
        costs[name] = domain.acute_cost_gbp * severity * population.weight
    return CrisisReport(masks=masks, counts=counts, acute_cost_gbp=costs)


def stabilise(population: Population, scenario: Scenario, report: CrisisReport) -> None:
    """The acute response removes `acute_effect` of the need of every citizen in crisis."""
    for row, (name, domain) in enumerate(scenario.domains.items()):
        population.reduce_need(row, report.masks[name], domain.acute_effect)
        population.crisis_episodes += report.masks[name]
