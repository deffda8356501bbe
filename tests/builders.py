"""Hand-built tiny scenarios for example tests: every default chosen so that nothing happens
unless a test asks for it (no noise, no drift, no cascades, no money, no pool, no learning noise).

`scenario(...)` takes whole sections as keyword arguments and dotted-path changes as a mapping,
so a test states only what matters to it.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

import numpy as np

from sim.model.model import PlaceModel
from sim.scenario.schema import Scenario


def domain(**changes: Any) -> dict[str, Any]:
    """A quiet domain: thresholds 0.25 / 0.5 (exact in float32), no noise, drift or effects."""
    settings = {
        "initial_mean": 0.2,
        "initial_concentration": 4.0,
        "drift": 0.0,
        "recovery": 0.1,
        "noise_sd": 0.0,
        "prevention_threshold": 0.25,
        "crisis_threshold": 0.5,
        "unit_cost_gbp": 1000.0,
        "acute_effect": 0.0,
        "prevention_cost_gbp": 100.0,
        "prevention_effect": 0.0,
        "citizen_priority": 1.0,
    }
    settings.update(changes)
    return settings


def agency(duties: Mapping[str, float], **changes: Any) -> dict[str, Any]:
    """A penniless agency with the given statutory duties, no prevention and no pooling."""
    settings = {
        "name": "agency",
        "budget_gbp_per_year": 0.0,
        "statutory_duties": dict(duties),
        "assessment_cost_gbp": 10.0,
        "prevention_propensity": 0.0,
        "collaboration": 0.5,
    }
    settings.update(changes)
    return settings


def scenario_data(
    domains: Mapping[str, dict] | None = None,
    agencies: Mapping[str, dict] | None = None,
    cascades: Mapping[str, Mapping[str, float]] | None = None,
    population: int = 1000,
    sample: int = 1000,
) -> dict[str, Any]:
    """The raw mapping of a tiny place: domains x and y, agencies a (both) and b (none)."""
    return {
        "name": "tiny",
        "place": {"name": "Tiny place", "population": population},
        "run": {"steps": 4, "population_sample": sample, "seed": 7, "warmup_steps": 0},
        "domains": dict(domains) if domains is not None else {"x": domain(), "y": domain()},
        "population": {"copula_correlation": 0.3, "cascades": dict(cascades or {})},
        "agencies": dict(agencies)
        if agencies is not None
        else {"a": agency({"x": 1.0, "y": 1.0}), "b": agency({})},
        "policy": {
            "ring_fence_share": 0.0,
            "target_pressure": 0.0,
            "settlement_years": 1,
            "pool": {"rule": "silo", "rate": 0.0, "governance_share": 0.0},
        },
        "learning": {"exploration_sd": 0.0},
    }


def set_path(data: dict[str, Any], dotted_path: str, value: Any) -> None:
    """Set `a.b.c` in nested mappings, creating missing levels (test-side, independent of sim)."""
    *parents, last = dotted_path.split(".")
    node = data
    for key in parents:
        node = node.setdefault(key, {})
    node[last] = value


def scenario(changes: Mapping[str, Any] | None = None, **sections: Any) -> Scenario:
    """A validated tiny scenario: `scenario_data(**sections)` with dotted-path `changes`."""
    data = copy.deepcopy(scenario_data(**sections))
    for dotted_path, value in (changes or {}).items():
        set_path(data, dotted_path, value)
    return Scenario.model_validate(data)


def model_with_needs(
    scenario_: Scenario, needs: np.ndarray, seed: int = 0, contact_draw: float | np.ndarray = 0.0
) -> PlaceModel:
    """A model whose citizens have exactly `needs` ([D, N]) at step 0, baseline included.

    `contact_draw` 0 (the default) makes every duty-holder meet every crisis in its domains."""
    needs = np.asarray(needs, dtype=np.float32)
    model = PlaceModel(scenario_, seed=seed, population_sample=needs.shape[1])
    population = model.population
    population.needs[...] = needs
    recovery = np.array([d.recovery for d in scenario_.domains.values()], dtype=np.float32)[:, None]
    drift = np.array([d.drift for d in scenario_.domains.values()], dtype=np.float32)[:, None]
    population.pull[...] = recovery * needs + drift
    population.contact_draw[...] = contact_draw
    return model


# Silo prevention in the tiny place: agency a alone in x, money for two interventions a quarter,
# and six citizens of whom four are in x's prevention window (shared by the prevention tests)
SILO_PREVENTION = {
    "agencies.a.statutory_duties": {"x": 1.0},
    "agencies.b.statutory_duties": {"y": 1.0},
    "agencies.a.prevention_propensity": 1.0,
    "agencies.a.budget_gbp_per_year": 1000.0,  # 250 a quarter: two interventions at 100 + 10
    "domains.x.prevention_effect": 0.5,
    "policy.prevention_payback_years": 1.0,
}
WINDOW_NEEDS = [[0.3, 0.45, 0.4, 0.26, 0.1, 0.2], [0.3, 0.3, 0.3, 0.3, 0.3, 0.3]]
