"""Settle a scenario's derived quantities after its unknowns move: reference severities and ring-fenced line weights.

The unknowns of the default place (crisis thresholds, prevention effects, frailty, need
correlations, package effect, learning rate) are calibrated by ABC-SMC (`placesim calibrate
calibration/total_place_pilot.yaml`, docs/calibration.md); the shipped scenario takes the
posterior's medians. Two quantities are not unknowns but consequences of the others, measured on
the settled silo baseline averaged over steps 5-20, and this script re-measures them:

1. each domain's `reference_severity`: the mean need of a crisis event there, so `unit_cost_gbp`
   stays the cost of an average event (an event costs unit_cost x need / reference_severity);
2. the weights of the ring-fenced lines, in proportion to each line's measured spend, so a
   ring-fence locks money where the settled silo place spends it.

It then prints each agency's fixed base as a share of its budget against the scenario's
`fixed_base_range_share`: a fixed base outside its range means a budget or unit cost is wrong,
and is reported, not tuned away. Run:

    .venv/bin/python scenarios/settle.py scenarios/total_place_pilot.yaml

It prints the values to write into the scenario file; it never edits the file itself.
"""

from __future__ import annotations

import sys

import pandas as pd

from sim.model.model import PlaceModel
from sim.model.simulate import simulate
from sim.scenario import Scenario, load_scenario, with_overrides

SAMPLE = 40_000
STEPS = 20
MEASURED_FROM_STEP = 5
SEED = 12345
LINE_CATEGORIES = {"capacity": "acute", "acute": "acute", "capacity_premium": "acute", "prevention": "prevention"}


def measured_steps(scenario: Scenario) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The steps table and the ledger's flows over the measured steps of one silo run."""
    result = simulate(scenario, seed=SEED, steps=STEPS, population_sample=SAMPLE)
    steps = result.steps[result.steps["step"] >= MEASURED_FROM_STEP]
    flows = result.ledger[result.ledger["step"] >= MEASURED_FROM_STEP]
    return steps, flows


def prevalence(scenario: Scenario, steps: pd.DataFrame) -> dict[str, float]:
    quarters = STEPS - MEASURED_FROM_STEP + 1
    crises = steps[steps["measure"] == "crises"].groupby("domain")["value"].sum() / quarters
    return {d: crises.get(d, 0.0) / scenario.place.population for d in scenario.domains}


def mean_crisis_severity(scenario: Scenario, steps: pd.DataFrame) -> dict[str, float]:
    """Mean need of a crisis per domain, from demand at full cost: demand = unit / reference x need."""
    demand = steps[steps["measure"] == "demand_gbp"].groupby("domain")["value"].sum()
    crises = steps[steps["measure"] == "crises"].groupby("domain")["value"].sum()
    severity = {}
    for name, domain in scenario.domains.items():
        per_unit_need = domain.unit_cost_gbp / domain.reference_severity
        severity[name] = float(demand.get(name, 0.0) / per_unit_need / max(crises.get(name, 0.0), 1.0))
    return severity


def line_weights(scenario: Scenario, flows: pd.DataFrame) -> dict[str, dict[str, float]]:
    """Agency -> `use.domain` -> share of its ring-fenced lines' measured spend, for agencies with lines."""
    spend = flows[(flows["destination"] == "services") & flows["category"].isin(list(LINE_CATEGORIES))]
    spend = spend.assign(use=spend["category"].map(LINE_CATEGORIES))
    by_line = spend.groupby(["source", "use", "domain"])["amount"].sum()
    weights = {}
    for agency_id, agency in scenario.agencies.items():
        lines = [(use.value, domain) for use, domains in agency.ring_fenced_lines.items() for domain in domains]
        if not lines:
            continue
        amounts = {f"{use}.{domain}": float(by_line.get((agency_id, use, domain), 0.0)) for use, domain in lines}
        total = sum(amounts.values()) or 1.0
        weights[agency_id] = {line: round(amount / total, 3) for line, amount in amounts.items()}
    return weights


def fixed_base_shares(scenario: Scenario) -> dict[str, float]:
    model = PlaceModel(scenario, seed=SEED, population_sample=SAMPLE, steps=1)
    try:
        return {a.agency_id: a.fixed_base_gbp_per_year / max(a.budget_gbp_per_year, 1.0) for a in model.agency_list}
    finally:
        model.close()


def settle(scenario: Scenario) -> Scenario:
    severity = mean_crisis_severity(scenario, measured_steps(scenario)[0])
    scenario = with_overrides(scenario, {f"domains.{d}.reference_severity": round(v, 3) for d, v in severity.items()})
    steps, flows = measured_steps(scenario)
    measured = prevalence(scenario, steps)
    for d, domain in scenario.domains.items():
        print(f"{d:12s} reference_severity {domain.reference_severity:.3f}  crisis events per resident a quarter {measured[d]:.4f}")
    for agency_id, weights in line_weights(scenario, flows).items():
        print(f"{agency_id:10s} ring_fenced_lines weights {weights}")
    for agency_id, share in fixed_base_shares(scenario).items():
        allowed = scenario.agencies[agency_id].fixed_base_range_share
        verdict = "" if allowed is None else ("within" if allowed[0] <= share <= allowed[1] else "OUTSIDE") + f" {list(allowed)}"
        print(f"{agency_id:10s} fixed base {share:.1%} of the budget {verdict}")
    return scenario


if __name__ == "__main__":
    settle(load_scenario(sys.argv[1] if len(sys.argv) > 1 else "scenarios/total_place_pilot.yaml"))
