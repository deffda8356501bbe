"""Calibrate the default scenario's crisis thresholds and acute unit costs.

Two targets per domain (docs/calibration.md gives their sources):
1. the share of residents in crisis in a quarter, averaged over steps 5-20 of the silo baseline,
   is the target prevalence: each domain's crisis threshold is found by bisection;
2. acute spend in each domain is `ACUTE_SHARE_OF_BUDGET` of the budget its responsible agencies
   give it (each agency's budget split by its ring-fenced acute lines, or by statutory duty):
   acute_cost_gbp is rescaled multiplicatively until it is.

The prevention window starts `WINDOW_WIDTH` below the crisis threshold. Run:

    python scenarios/calibrate.py scenarios/total_place_pilot.yaml

It prints the values to write into the scenario file; it never edits the file itself.
"""

from __future__ import annotations

import sys

import numpy as np

from sim.model.simulate import simulate
from sim.scenario import FundUse, Scenario, load_scenario, with_overrides

TARGET_PREVALENCE = {
    "children": 0.008,
    "health": 0.030,
    "adult_care": 0.015,
    "housing": 0.005,
    "work": 0.040,
    "offending": 0.010,
    "substance": 0.007,
}
ACUTE_SHARE_OF_BUDGET = 0.85
WINDOW_WIDTH = 0.25
SAMPLE = 40_000
STEPS = 20
MEASURED_FROM_STEP = 5
SEED = 12345


def measure(scenario: Scenario) -> tuple[dict[str, float], dict[str, float]]:
    """(crisis prevalence per domain, acute spend per domain per year) over the measured steps."""
    result = simulate(scenario, seed=SEED, steps=STEPS, population_sample=SAMPLE)
    steps = result.steps[result.steps["step"] >= MEASURED_FROM_STEP]
    quarters = STEPS - MEASURED_FROM_STEP + 1
    crises = steps[steps["measure"] == "crises"].groupby("domain")["value"].sum() / quarters
    spend = steps[(steps["measure"] == "spend_gbp") & (steps["category"] == "acute")]
    acute = spend.groupby("domain")["value"].sum() / quarters * 4
    population = scenario.place.population
    return {d: crises.get(d, 0.0) / population for d in scenario.domains}, acute.to_dict()


def domain_budgets(scenario: Scenario) -> dict[str, float]:
    """Yearly budget each domain receives: each agency's budget split by its ring-fenced acute
    line weights (how the funder intends it to be spent), or by statutory duty where it has none."""
    budgets = dict.fromkeys(scenario.domains, 0.0)
    for agency in scenario.agencies.values():
        split = dict(agency.ring_fenced_lines.get(FundUse.acute, {})) or dict(agency.statutory_duties)
        total = sum(split.values())
        for domain, share in split.items():
            budgets[domain] += agency.budget_gbp_per_year * share / total
    return budgets


def thresholds_overrides(crisis: dict[str, float]) -> dict[str, float]:
    overrides: dict[str, float] = {}
    for domain, value in crisis.items():
        overrides[f"domains.{domain}.crisis_threshold"] = round(value, 4)
        overrides[f"domains.{domain}.prevention_threshold"] = round(value - WINDOW_WIDTH, 4)
    return overrides


def calibrate(scenario: Scenario) -> Scenario:
    low = dict.fromkeys(scenario.domains, WINDOW_WIDTH + 0.05)
    high = dict.fromkeys(scenario.domains, 0.99)
    for _ in range(14):
        middle = {d: (low[d] + high[d]) / 2 for d in scenario.domains}
        prevalence, _ = measure(with_overrides(scenario, thresholds_overrides(middle)))
        for d in scenario.domains:
            if prevalence[d] > TARGET_PREVALENCE[d]:
                low[d] = middle[d]
            else:
                high[d] = middle[d]
    scenario = with_overrides(scenario, thresholds_overrides({d: (low[d] + high[d]) / 2 for d in scenario.domains}))
    budgets = domain_budgets(scenario)
    for _ in range(3):
        prevalence, acute = measure(scenario)
        costs = {
            f"domains.{d}.acute_cost_gbp": round(
                scenario.domains[d].acute_cost_gbp * ACUTE_SHARE_OF_BUDGET * budgets[d] / max(acute.get(d, 0.0), 1.0), -1
            )
            for d in scenario.domains
        }
        scenario = with_overrides(scenario, costs)
    prevalence, acute = measure(scenario)
    for d in scenario.domains:
        print(
            f"{d:12s} prevention_threshold {scenario.domains[d].prevention_threshold:.4f}  "
            f"crisis_threshold {scenario.domains[d].crisis_threshold:.4f}  "
            f"acute_cost_gbp {scenario.domains[d].acute_cost_gbp:8.0f}  "
            f"prevalence {prevalence[d]:.4f} (target {TARGET_PREVALENCE[d]:.4f})  "
            f"acute {acute.get(d, 0.0) / 1e6:7.1f}m of budget {budgets[d] / 1e6:7.1f}m"
        )
    return scenario


if __name__ == "__main__":
    np.set_printoptions(precision=4)
    calibrate(load_scenario(sys.argv[1] if len(sys.argv) > 1 else "scenarios/total_place_pilot.yaml"))
