"""Crises: who is in crisis this step, their crisis events, what answering them costs, and the acute response.

A citizen is in crisis in a domain when its need is at or above the crisis threshold; it then has
one or more crisis events that quarter (events.py). Each event costs `unit_cost_gbp * need /
reference_severity` (the published cost of an average event, scaled by severity) per simulated
citizen, times its weight: the demand, at full unit cost, that the domain's agencies share by
statutory duty. The acute response removes `acute_effect` of the need of every citizen in crisis
it serves: all of them, unless the lead agency had to ration, when the least costly crises (need
times events) of the unserved share go unanswered (eligibility tightens).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from sim.model.events import crisis_events_by_domain
from sim.model.population import Population
from sim.scenario.schema import Scenario


@dataclass(frozen=True)
class CrisisReport:
    """This step's crises per domain: who is in crisis (masks), their events [N], event counts
    (`counts`, simulated citizens' events), citizens in crisis (`people`), and demand at full unit
    cost (place scale)."""

    masks: dict[str, np.ndarray]
    events: dict[str, np.ndarray]
    counts: dict[str, int]
    people: dict[str, int]
    demand_gbp: dict[str, float]


def cost_per_unit_of_need(domain_unit_cost_gbp: float, reference_severity: float) -> float:
    """GBP per unit of need of one crisis: the unit cost is that of a crisis of reference severity."""
    return domain_unit_cost_gbp / reference_severity


def detect_crises(population: Population, scenario: Scenario) -> CrisisReport:
    """Find every crisis, draw its events and price them (severity-scaled); add them to each
    citizen's events and cost of the year."""
    masks, events, counts, people, costs = {}, {}, {}, {}, {}
    domains = list(scenario.domains.values())
    in_crisis_masks = [population.crisis_mask(row) for row in range(len(domains))]
    thresholds = [float(threshold) for threshold in population.crisis_threshold]
    every_domain_events = crisis_events_by_domain(
        population.needs, in_crisis_masks, population.frailty, population.event_draw, domains, thresholds
    )
    for row, (name, domain) in enumerate(scenario.domains.items()):
        need, mask, row_events = population.needs[row], in_crisis_masks[row], every_domain_events[row]
        in_crisis = np.flatnonzero(mask)
        per_citizen = row_events[in_crisis] * need[in_crisis].astype(np.float64)
        per_citizen *= cost_per_unit_of_need(domain.unit_cost_gbp, domain.reference_severity)
        population.events_this_year[row] += row_events
        population.cost_this_year[in_crisis] += per_citizen
        masks[name] = mask
        events[name] = row_events
        counts[name] = int(row_events.sum(dtype=np.int64))
        people[name] = int(in_crisis.size)
        costs[name] = float(per_citizen.sum()) * population.weight
    return CrisisReport(masks=masks, events=events, counts=counts, people=people, demand_gbp=costs)


def served_crises(need: np.ndarray, mask: np.ndarray, unserved_share: float, events: np.ndarray | None = None) -> np.ndarray:
    """The crises still answered when `unserved_share` of their cost (need times events) cannot be
    paid for: the least costly go unanswered first."""
    if unserved_share <= 0.0:
        return mask
    in_crisis = np.flatnonzero(mask)
    severity = need[in_crisis].astype(np.float64)
    if events is not None:
        severity *= events[in_crisis]
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
        served = served_crises(population.needs[row], report.masks[name], unserved.get(name, 0.0), report.events[name])
        population.reduce_need(row, served, domain.acute_effect)
        population.crisis_episodes += report.masks[name]
